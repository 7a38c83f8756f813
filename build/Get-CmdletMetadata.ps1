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

# What a parameter is when it is not given: read from a fresh instance of the cmdlet class, so help can never
# disagree with the code. Null, empty arrays and unset switches are "None", as in PowerShell's own help.
function Get-DefaultValue {
    param($Instance, [string] $Name)
    $property = $Instance.GetType().GetProperty($Name)
    if (-not $property) { return 'None' }
    $value = $property.GetValue($Instance)
    if ($null -eq $value) { return 'None' }
    if ($value -is [System.Management.Automation.SwitchParameter]) { return $value.IsPresent ? 'True' : 'False' }
    if ($value -is [array]) { return $value.Count -eq 0 ? 'None' : ($value -join ', ') }
    if ($value -is [string]) { return $value.Length -eq 0 ? 'None' : $value }
    return [System.Convert]::ToString($value, [cultureinfo]::InvariantCulture)
}

function Get-ParameterFacts {
    param([System.Management.Automation.CommandParameterInfo] $Parameter, $Instance)

    $type = $Parameter.ParameterType
    # Int64? reads as Int64 in help (what a user types), not Nullable`1.
    $shown = [Nullable]::GetUnderlyingType($type) ?? $type
    $values = @()
    $validateSet = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
    if ($validateSet) { $values = @($validateSet.ValidValues) }
    elseif ($type.IsEnum) { $values = @([Enum]::GetNames($type)) }
    [ordered]@{
        Name                            = $Parameter.Name
        Type                            = $shown.FullName
        TypeName                        = $shown.Name
        DefaultValue                    = Get-DefaultValue -Instance $Instance -Name $Parameter.Name
        SupportsWildcards               = [bool]($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
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
    $instance = [Activator]::CreateInstance($command.ImplementingType)
    $sets = foreach ($set in $command.ParameterSets) {
        [ordered]@{
            Name       = $set.Name
            IsDefault  = $set.IsDefault
            Parameters = @($set.Parameters | Where-Object Name -notin $common | ForEach-Object { Get-ParameterFacts $_ $instance })
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
