<#
.SYNOPSIS
Imports the built module and prints, as JSON, what help must not restate by hand: every exported cmdlet's
parameter sets and, per parameter, its type, mandatory/position/pipeline facts, aliases and allowed values.
.DESCRIPTION
Run by build/HelpBuild.ps1 in a child pwsh: importing the module there leaves the build session free of the
module's assemblies (a rebuild must be able to overwrite them, and the build may run in a long-lived session).
Common parameters (Verbose, ErrorAction, ...) are left out; WhatIf and Confirm are kept, flagged as such,
because Get-Help lists them in the syntax of commands that support ShouldProcess.
#>
param([Parameter(Mandatory)] [string] $ManifestPath)

$ErrorActionPreference = 'Stop'
$module = Import-Module -Name $ManifestPath -PassThru
$common = [System.Management.Automation.Cmdlet]::CommonParameters

function Get-ParameterFacts {
    param([System.Management.Automation.CommandParameterInfo] $Parameter)

    $type = $Parameter.ParameterType
    $values = @()
    $validateSet = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
    if ($validateSet) { $values = @($validateSet.ValidValues) }
    elseif ($type.IsEnum) { $values = @([Enum]::GetNames($type)) }
    [ordered]@{
        Name                            = $Parameter.Name
        Type                            = $type.FullName
        TypeName                        = $type.Name
        IsSwitch                        = $type -eq [System.Management.Automation.SwitchParameter]
        IsMandatory                     = $Parameter.IsMandatory
        # -2147483648 (int.MinValue) is how PowerShell says "no position".
        Position                        = $Parameter.Position -lt 0 ? 'named' : "$($Parameter.Position)"
        ValueFromPipeline               = $Parameter.ValueFromPipeline
        ValueFromPipelineByPropertyName = $Parameter.ValueFromPipelineByPropertyName
        Aliases                         = @($Parameter.Aliases)
        AllowedValues                   = $values
        IsShouldProcess                 = $Parameter.Name -in [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    }
}

$commands = foreach ($name in $module.ExportedCmdlets.Keys | Sort-Object) {
    $command = Get-Command -Module $module.Name -Name $name -CommandType Cmdlet
    $sets = foreach ($set in $command.ParameterSets) {
        [ordered]@{
            Name       = $set.Name
            IsDefault  = $set.IsDefault
            Parameters = @($set.Parameters | Where-Object Name -notin $common | ForEach-Object { Get-ParameterFacts $_ })
        }
    }
    [ordered]@{
        Name          = $command.Name
        Verb          = $command.Verb
        Noun          = $command.Noun
        OutputTypes   = @($command.OutputType | ForEach-Object { $_.Type?.FullName ?? $_.Name } | Where-Object { $_ -and $_ -ne 'System.Void' })
        ParameterSets = @($sets)
    }
}
# One line, so the caller can take the last line of output whatever the import printed before it.
ConvertTo-Json -InputObject @($commands) -Depth 6 -Compress
