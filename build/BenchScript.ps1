# Demo and Bench tasks: run a script of bench/ in a fresh pwsh against the built module, as a user would.

function Invoke-BenchScript {
    param([Parameter(Mandatory)] $Paths, [Parameter(Mandatory)] [string] $RelativePath)

    $script = Join-Path $Paths.Root $RelativePath
    if (-not (Test-Path -LiteralPath $script)) {
        Write-Host "$RelativePath is missing: nothing to run." -ForegroundColor Red
        return 1
    }
    Invoke-BuildTask -Paths $Paths
    $env:ONEDRIVE_OFFSITE_MODULE = Join-Path $Paths.ModuleDir 'OnedriveOffsite.psd1'
    $env:ONEDRIVE_OFFSITE_PWSH = $Paths.Pwsh
    Write-Step "Running $RelativePath (ONEDRIVE_OFFSITE_MODULE=$env:ONEDRIVE_OFFSITE_MODULE)"
    return (Invoke-Native $Paths.Pwsh @('-NoProfile', '-NonInteractive', '-File', $script) -AllowFailure)
}
