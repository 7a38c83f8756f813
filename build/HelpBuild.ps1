# Help step of the Build task: docs/help/<Cmdlet-Name>.md (prose, written by hand) + the built module's
# command metadata (types, positions, pipeline input; reflected, so they cannot drift) ->
# output/OnedriveOffsite/en-US/OnedriveOffsite.dll-Help.xml, the MAML file Get-Help reads.
# The build fails when a cmdlet has no help file, or a parameter no description, so help cannot silently rot.

. (Join-Path $PSScriptRoot 'HelpMarkdown.ps1')
. (Join-Path $PSScriptRoot 'HelpMaml.ps1')

# Parameters every cmdlet inherits (OffsiteCmdlet's -ConfigPath) are described once, in this file; a cmdlet's own
# file may still describe them itself, and then its text wins.
$script:SharedHelpFile = '_shared-parameters.md'

# Get-Help lists -WhatIf and -Confirm with the other parameters; their meaning is the same for every command.
$script:ShouldProcessHelp = @{
    WhatIf  = @('Shows what would happen if the cmdlet runs, without changing anything. The cmdlet is not run.')
    Confirm = @('Prompts you for confirmation before changing anything.')
}

function New-ModuleHelp {
    param([Parameter(Mandatory)] $Paths)

    $helpSource = Join-Path $Paths.Root 'docs/help'
    $destination = Join-Path $Paths.ModuleDir 'en-US/OnedriveOffsite.dll-Help.xml'
    Write-Step "Generating $destination from $helpSource"

    $commands = Get-BuiltCommandMetadata -Paths $Paths
    $shared = Read-HelpMarkdown -Path (Join-Path $helpSource $script:SharedHelpFile)
    $problems = [System.Collections.Generic.List[string]]::new()
    $entries = foreach ($command in $commands) {
        $file = Join-Path $helpSource "$($command.Name).md"
        if (-not (Test-Path -LiteralPath $file)) {
            $problems.Add("$($command.Name): no help file $file (copy another cmdlet's file; see docs/help/README.md).")
            continue
        }
        $doc = Read-HelpMarkdown -Path $file
        $descriptions = Resolve-ParameterDescriptions -Command $command -Doc $doc -Shared $shared -Problems $problems
        Test-HelpDocument -Command $command -Doc $doc -Problems $problems
        @{ Metadata = $command; Doc = $doc; Descriptions = $descriptions }
    }
    if ($problems.Count -gt 0) {
        throw "Help is incomplete or out of date ($($problems.Count) problem(s)):`n  $($problems -join "`n  ")"
    }

    $null = New-Item -ItemType Directory -Path (Split-Path -Parent $destination) -Force
    Write-MamlHelp -Path $destination -Commands @($entries)
    Write-Host "Help ready: $destination ($(@($entries).Count) cmdlets)"
    New-AboutTopics -Paths $Paths
}

# The guides that messages point users to ship inside the module as about_ topics (Get-Help
# about_OnedriveOffsite_SignIn works on a host that has only the installed module, not this repository).
$script:AboutTopics = [ordered]@{
    'about_OnedriveOffsite_SignIn'        = 'docs/SIGN-IN.md'
    'about_OnedriveOffsite_Notifications' = 'docs/NOTIFICATIONS.md'
    'about_OnedriveOffsite_Format'        = 'docs/FORMAT.md'
}

function New-AboutTopics {
    param([Parameter(Mandatory)] $Paths)
    foreach ($topic in $script:AboutTopics.GetEnumerator()) {
        $source = Join-Path $Paths.Root $topic.Value
        $text = Get-Content -LiteralPath $source -Raw
        $title = ([regex]::Match($text, '(?m)^#\s+(.+)$')).Groups[1].Value
        $header = "TOPIC`n    $($topic.Key)`n`nSHORT DESCRIPTION`n    $title`n`nLONG DESCRIPTION`n"
        $target = Join-Path $Paths.ModuleDir "en-US/$($topic.Key).help.txt"
        Set-Content -LiteralPath $target -Value ($header + $text) -Encoding utf8NoBOM
    }
    Write-Host "About topics: $($script:AboutTopics.Keys -join ', ')"
}

# Imports the built module in a child pwsh (see Get-CmdletMetadata.ps1 for why) and returns its commands.
function Get-BuiltCommandMetadata {
    param([Parameter(Mandatory)] $Paths)

    $script = Join-Path $PSScriptRoot 'Get-CmdletMetadata.ps1'
    $manifest = Join-Path $Paths.ModuleDir 'OnedriveOffsite.psd1'
    $output = @(& $Paths.Pwsh -NoProfile -NonInteractive -File $script -ManifestPath $manifest 2>&1 | ForEach-Object { "$_" })
    if ($LASTEXITCODE -ne 0 -or $output.Count -eq 0) {
        throw "Reading the cmdlets of $manifest failed (exit code $LASTEXITCODE):`n$($output -join "`n")"
    }
    return @($output[-1] | ConvertFrom-Json)
}

<#
.SYNOPSIS
Returns parameter name -> description paragraphs for every parameter of the command, and records a problem for
each parameter without one and for each described parameter the command does not have (renamed or removed).
#>
function Resolve-ParameterDescriptions {
    param($Command, $Doc, $Shared, [System.Collections.Generic.List[string]] $Problems)

    $descriptions = @{}
    $names = @($Command.ParameterSets.Parameters.Name | Select-Object -Unique)
    foreach ($name in $names) {
        $text = if ($Doc.Parameters.Contains($name)) { $Doc.Parameters[$name] }
        elseif ($Shared.Parameters.Contains($name)) { $Shared.Parameters[$name] }
        else { $script:ShouldProcessHelp[$name] }
        if (@($text | Where-Object { $_ }).Count -eq 0) {
            $Problems.Add("$($Command.Name): parameter -$name has no description (add '### -$name' under '## Parameters' in $($Doc.Path)).")
        }
        $descriptions[$name] = @($text)
    }
    foreach ($described in $Doc.Parameters.Keys) {
        if ($described -notin $names) { $Problems.Add("$($Command.Name): $($Doc.Path) describes -$described, which the cmdlet does not have.") }
    }
    return $descriptions
}

function Test-HelpDocument {
    param($Command, $Doc, [System.Collections.Generic.List[string]] $Problems)

    $where = "$($Command.Name) ($($Doc.Path))"
    if ($Doc.Name -ne $Command.Name) { $Problems.Add("${where}: the title is '# $($Doc.Name)', expected '# $($Command.Name)'.") }
    if ($Doc.Synopsis.Count -eq 0) { $Problems.Add("${where}: '## Synopsis' is empty.") }
    if ($Doc.Description.Count -eq 0) { $Problems.Add("${where}: '## Description' is empty.") }
    $withCode = @($Doc.Examples | Where-Object { $_.Code })
    if ($withCode.Count -lt 2 -or $withCode.Count -ne $Doc.Examples.Count) {
        $Problems.Add("${where}: needs at least two examples, each with a code block (has $($withCode.Count) of $($Doc.Examples.Count)).")
    }
}
