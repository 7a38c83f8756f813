#Requires -Version 7.4
<#
.SYNOPSIS
Builds, tests and packages the OnedriveOffsite module.
.DESCRIPTION
Build    compile the solution and assemble output/OnedriveOffsite/ (manifest, cmdlet DLL, formats, help,
         Dependencies/ with the engine and its third-party DLLs).
Test     Build, then xunit (dotnet test, TRX into output/test-results/) and Pester 5.7.1 in a fresh pwsh over
         tests/Pester/ against the built module. The last line is always `N passed, N failed`.
Package  Build, then output/package/OnedriveOffsite.<version>.nupkg.
Demo     Build, then bench/demo.ps1.      Bench   Build, then bench/run.ps1.
Emulator Build, then run the Graph emulator with its identity authority and print how to use it.
.EXAMPLE
dotnet tool restore; dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Bench', 'Emulator')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
# Exit codes of dotnet and pwsh are checked by Invoke-Native: test runners exit non-zero on a failed test,
# which is a result to report, not an error to stop on.
$PSNativeCommandUseErrorActionPreference = $false
$env:DOTNET_NOLOGO = 'true'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = 'true'

foreach ($part in 'Common', 'ModuleBuild', 'HelpBuild', 'TestRun', 'ModulePackage', 'BenchScript', 'EmulatorTask') {
    . (Join-Path $PSScriptRoot "build/$part.ps1")
}

$paths = Get-BuildPaths -Root $PSScriptRoot -Configuration $Configuration
Write-Step "Task $Task ($Configuration) in $PSScriptRoot with PowerShell $($PSVersionTable.PSVersion)"

switch ($Task) {
    'Build' { Invoke-BuildTask -Paths $paths }
    'Test' { exit (Invoke-TestTask -Paths $paths) }
    'Package' { Invoke-BuildTask -Paths $paths; New-ModulePackage -Paths $paths }
    'Demo' { exit (Invoke-BenchScript -Paths $paths -RelativePath 'bench/demo.ps1') }
    'Bench' { exit (Invoke-BenchScript -Paths $paths -RelativePath 'bench/run.ps1') }
    'Emulator' { Invoke-EmulatorTask -Paths $paths }
}
