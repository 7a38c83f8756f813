# Shared helpers for build.ps1: where things are, and how external commands are run and reported.

function Get-BuildPaths {
    param([Parameter(Mandatory)] [string] $Root, [Parameter(Mandatory)] [string] $Configuration)

    $output = Join-Path $Root 'output'
    [pscustomobject]@{
        Root           = $Root
        Configuration  = $Configuration
        Solution       = Join-Path $Root 'OnedriveOffsite.slnx'
        Manifest       = Join-Path $Root 'OnedriveOffsite.psd1'
        ModuleSource   = Join-Path $Root 'module'
        EngineProject  = Join-Path $Root 'src/OnedriveOffsite.Engine/OnedriveOffsite.Engine.csproj'
        CmdletOutput   = Join-Path $Root "src/OnedriveOffsite.PowerShell/bin/$Configuration/net8.0"
        EmulatorDir    = Join-Path $Root 'tests/GraphEmulator'
        PesterTests    = Join-Path $Root 'tests/Pester'
        TestTools      = Join-Path $Root 'build/test-tools/TestTools.csproj'
        # /tools/ is git-ignored: packages restored for the build live there, outside the global NuGet cache,
        # so their paths are known without asking NuGet.
        ToolPackages   = Join-Path $Root 'tools/packages'
        Output         = $output
        ModuleDir      = Join-Path $output 'OnedriveOffsite'
        Scratch        = Join-Path $output 'obj'
        TestResults    = Join-Path $output 'test-results'
        PackageDir     = Join-Path $output 'package'
        # The pwsh that runs this script: child processes (Pester, the tests' own fresh sessions) use the same one.
        Pwsh           = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    }
}

function Write-Step {
    param([Parameter(Mandatory)] [string] $Message)
    Write-Host "==> $Message" -ForegroundColor Cyan
}

<#
.SYNOPSIS
Runs a native command, echoing it first. Throws on a non-zero exit code unless -AllowFailure, in which case the
exit code is returned for the caller to judge (test runners exit non-zero when a test fails).
#>
function Invoke-Native {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [Parameter(Mandatory)] [string[]] $ArgumentList,
        [switch] $AllowFailure
    )
    Write-Host "> $FilePath $($ArgumentList -join ' ')" -ForegroundColor DarkGray
    # Out-Host: the command's output is for the reader, not part of this function's return value.
    & $FilePath @ArgumentList | Out-Host
    $code = $LASTEXITCODE
    if ($code -ne 0 -and -not $AllowFailure) {
        throw "'$FilePath $($ArgumentList[0])' failed with exit code $code."
    }
    return $code
}

function Get-ManifestVersion {
    param([Parameter(Mandatory)] $Paths)
    (Import-PowerShellDataFile -LiteralPath $Paths.Manifest).ModuleVersion
}

function Reset-Directory {
    param([Parameter(Mandatory)] [string] $Path)
    if (Test-Path -LiteralPath $Path) { Remove-Item -LiteralPath $Path -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $Path -Force
}
