# Test task: build once, run xunit (dotnet test, TRX) and then Pester in a fresh pwsh against the built module,
# and end with one line `N passed, N failed` summed over both (CI reads that line; nothing may print after it).

function Invoke-TestTask {
    param([Parameter(Mandatory)] $Paths)

    $suites = [System.Collections.Generic.List[object]]::new()
    try {
        Invoke-BuildTask -Paths $Paths
        Reset-Directory -Path $Paths.TestResults
        $suites.Add((Invoke-UnitTests -Paths $Paths))
        $suites.Add((Invoke-PesterTests -Paths $Paths))
    }
    catch {
        # A broken build or runner is a failure like any other, and the summary must still be the last line.
        Write-Host "ERROR: $($_.Exception.Message)" -ForegroundColor Red
        Write-Host $_.ScriptStackTrace -ForegroundColor DarkGray
        $suites.Add((New-SuiteResult -Name 'build' -Failed 1 -Note 'the build or a test runner broke (see ERROR above)'))
    }
    return (Write-TestSummary -Suites $suites)
}

function New-SuiteResult {
    param([string] $Name, [int] $Passed = 0, [int] $Failed = 0, [int] $Skipped = 0, [double] $Seconds = 0, [string] $Note = '')
    [pscustomobject]@{
        Name = $Name; Passed = $Passed; Failed = $Failed; Skipped = $Skipped; Seconds = $Seconds; Note = $Note
        FailedNames = [System.Collections.Generic.List[string]]::new()
    }
}

<#
.SYNOPSIS
Adds one failure for a runner that crashed (non-zero exit, no failed test to show for it) or ran no test at all:
both would otherwise look like success.
#>
function Complete-SuiteResult {
    param([Parameter(Mandatory)] $Result, [Parameter(Mandatory)] [int] $ExitCode)

    if ($Result.Passed + $Result.Failed + $Result.Skipped -eq 0) {
        $Result.Failed++
        $Result.Note = 'the runner found no tests'
    }
    elseif ($ExitCode -ne 0 -and $Result.Failed -eq 0) {
        $Result.Failed++
        $Result.Note = "the runner exited with code $ExitCode without reporting a failed test (crash?)"
    }
    return $Result
}

function Invoke-UnitTests {
    param([Parameter(Mandatory)] $Paths)

    Write-Step 'xunit (dotnet test)'
    $resultDir = Join-Path $Paths.TestResults 'xunit'
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $exitCode = Invoke-Native dotnet @('test', $Paths.Solution, '-c', $Paths.Configuration, '--no-build', '--nologo', '-tl:off',
        '--logger', 'trx', '--results-directory', $resultDir) -AllowFailure

    $result = New-SuiteResult -Name 'xunit' -Seconds $clock.Elapsed.TotalSeconds
    Add-TrxResults -Result $result -Directory $resultDir
    return (Complete-SuiteResult -Result $result -ExitCode $exitCode)
}

<#
.SYNOPSIS
Counts the individual results of every TRX under -Directory into -Result, naming each failed test.
.NOTES
Counted from the individual results: the summary counters of a TRX leave skipped tests out of every bucket
(notExecuted stays 0). Any outcome other than Passed or NotExecuted (skipped) is a failure: Inconclusive,
NotRunnable, Timeout, Aborted, Error... all count as failed.
#>
function Add-TrxResults {
    param([Parameter(Mandatory)] $Result, [Parameter(Mandatory)] [string] $Directory)

    foreach ($trx in Get-ChildItem -LiteralPath $Directory -Filter *.trx -File -Recurse -ErrorAction Ignore) {
        foreach ($test in ([xml](Get-Content -LiteralPath $trx.FullName -Raw)).GetElementsByTagName('UnitTestResult')) {
            switch ($test.GetAttribute('outcome')) {
                'Passed' { $Result.Passed++ }
                'NotExecuted' { $Result.Skipped++ }
                default { $Result.Failed++; $Result.FailedNames.Add($test.GetAttribute('testName')) }
            }
        }
    }
}

function Invoke-PesterTests {
    param([Parameter(Mandatory)] $Paths)

    $tools = Restore-TestTools -Paths $Paths
    $resultDir = Join-Path $Paths.TestResults 'pester'
    $summaryFile = Join-Path $resultDir 'summary.json'
    $null = New-Item -ItemType Directory -Path $resultDir -Force

    Set-PesterEnvironment -Paths $Paths -OldMsalDir $tools.OldMsalDir

    Write-Step "Pester $($tools.PesterVersion) in a fresh pwsh"
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $arguments = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $Paths.Root 'build/Invoke-PesterSuite.ps1'),
        '-PesterManifest', $tools.PesterManifest, '-TestPath', $Paths.PesterTests, '-ResultDirectory', $resultDir)
    # The child always writes into a pipe (Invoke-Native), so it cannot tell a terminal from a CI log itself.
    if ([Console]::IsOutputRedirected) { $arguments += '-Plain' }
    $exitCode = Invoke-Native $Paths.Pwsh $arguments -AllowFailure

    $result = New-SuiteResult -Name 'Pester' -Seconds $clock.Elapsed.TotalSeconds
    if (Test-Path -LiteralPath $summaryFile) {
        $summary = Get-Content -LiteralPath $summaryFile -Raw | ConvertFrom-Json
        $result.Passed = $summary.Passed
        # A failed AfterAll or a test file that cannot even be discovered fails no test by itself. A test that
        # did not run (NotRun: no filter is used, so only a broken block causes it) or ended Inconclusive
        # proved nothing: both count as failed.
        $result.Failed = $summary.Failed + $summary.FailedBlocks + $summary.FailedContainers + $summary.NotRun + $summary.Inconclusive
        if ($summary.NotRun + $summary.Inconclusive -gt 0) { $result.Note = "$($summary.NotRun) not run and $($summary.Inconclusive) inconclusive, counted as failed" }
        $result.Skipped = $summary.Skipped
        foreach ($name in @($summary.FailedNames)) { if ($name) { $result.FailedNames.Add($name) } }
    }
    else {
        $result.Failed = 1
        $result.Note = "Pester exited with code $exitCode before writing its summary (crash?)"
        return $result
    }
    return (Complete-SuiteResult -Result $result -ExitCode $exitCode)
}

<#
.SYNOPSIS
Sets the environment variables the Pester suite reads (tests/Pester/TestSettings.ps1, with defaults for running
Pester by hand); the Pester process and every fresh pwsh the tests start inherit them.
#>
function Set-PesterEnvironment {
    param([Parameter(Mandatory)] $Paths, [Parameter(Mandatory)] [string] $OldMsalDir)

    $testHome = Join-Path $Paths.Output 'test-home'
    Reset-Directory -Path $testHome
    $environment = [ordered]@{
        ONEDRIVE_OFFSITE_MODULE        = Join-Path $Paths.ModuleDir 'OnedriveOffsite.psd1'
        ONEDRIVE_OFFSITE_PWSH          = $Paths.Pwsh
        ONEDRIVE_OFFSITE_TEST_MSAL_DIR = $OldMsalDir
        # Keeps any test that forgets -ConfigPath away from the real user's key and tokens.
        ONEDRIVE_OFFSITE_HOME          = $testHome
        ONEDRIVE_OFFSITE_EMULATOR      = Find-EmulatorAssembly -Paths $Paths
    }
    foreach ($entry in $environment.GetEnumerator()) {
        if (-not $entry.Value) { Write-Host "  $($entry.Key) not set (nothing built for it)"; continue }
        Set-Item -Path "env:$($entry.Key)" -Value $entry.Value
        Write-Host "  $($entry.Key)=$($entry.Value)"
    }
}

<#
.SYNOPSIS
Restores the pinned test-only packages (Pester, the older MSAL) from NuGet into tools/packages, once.
#>
function Restore-TestTools {
    param([Parameter(Mandatory)] $Paths)

    $project = [xml](Get-Content -LiteralPath $Paths.TestTools -Raw)
    $versions = @{}
    foreach ($download in $project.SelectNodes('//PackageDownload')) {
        $versions[$download.Include] = $download.Version.Trim('[', ']')
    }
    $packageDir = { param($id) Join-Path $Paths.ToolPackages "$($id.ToLowerInvariant())/$($versions[$id])" }

    $pesterManifest = Join-Path (& $packageDir 'Pester') 'tools/Pester.psd1'
    $msal = Join-Path (& $packageDir 'Microsoft.Identity.Client') 'lib/net6.0/Microsoft.Identity.Client.dll'
    $abstractions = Join-Path (& $packageDir 'Microsoft.IdentityModel.Abstractions') 'lib/net6.0/Microsoft.IdentityModel.Abstractions.dll'

    if (-not ((Test-Path -LiteralPath $pesterManifest) -and (Test-Path -LiteralPath $msal) -and (Test-Path -LiteralPath $abstractions))) {
        Write-Step 'Restoring test tools (Pester, older MSAL) from NuGet'
        $null = Invoke-Native dotnet @('restore', $Paths.TestTools, '--packages', $Paths.ToolPackages, '-nologo', '-v:quiet', '-tl:off')
    }

    # One folder holding the older MSAL and the abstractions it binds to, as another module would ship them.
    $oldMsalDir = Join-Path $Paths.Output "test-tools/msal-$($versions['Microsoft.Identity.Client'])"
    Reset-Directory -Path $oldMsalDir
    Copy-Item -LiteralPath $msal, $abstractions -Destination $oldMsalDir

    [pscustomobject]@{ PesterManifest = $pesterManifest; PesterVersion = $versions['Pester']; OldMsalDir = $oldMsalDir }
}

# The Graph emulator (tests/GraphEmulator, built with the solution) is started by the tests that need it.
# Its path comes from MSBuild, so a renamed assembly or target framework cannot go stale here.
function Find-EmulatorAssembly {
    param([Parameter(Mandatory)] $Paths)

    $project = Get-ChildItem -LiteralPath $Paths.EmulatorDir -Filter *.csproj -File -ErrorAction Ignore | Select-Object -First 1
    if (-not $project) { return '' }
    $targetPath = (& dotnet msbuild $project.FullName -getProperty:TargetPath "-p:Configuration=$($Paths.Configuration)" -nologo | Select-Object -Last 1)
    if ($LASTEXITCODE -ne 0 -or -not $targetPath -or -not (Test-Path -LiteralPath $targetPath.Trim())) {
        throw "Could not find the built Graph emulator of $($project.FullName) (MSBuild said '$targetPath')."
    }
    return $targetPath.Trim()
}

function Write-TestSummary {
    param([Parameter(Mandatory)] [AllowEmptyCollection()] [System.Collections.Generic.List[object]] $Suites)

    Write-Step 'Test results'
    foreach ($suite in $Suites) {
        $line = '  {0,-7} passed {1}, failed {2}, skipped {3} ({4:0.0} s)' -f $suite.Name, $suite.Passed, $suite.Failed, $suite.Skipped, $suite.Seconds
        if ($suite.Note) { $line += " - $($suite.Note)" }
        Write-Host $line -ForegroundColor ($suite.Failed -gt 0 ? 'Red' : 'Green')
        foreach ($name in $suite.FailedNames) { Write-Host "    failed: $name" -ForegroundColor Red }
    }
    $passed = ($Suites | Measure-Object -Property Passed -Sum).Sum ?? 0
    $failed = ($Suites | Measure-Object -Property Failed -Sum).Sum ?? 0
    $skipped = ($Suites | Measure-Object -Property Skipped -Sum).Sum ?? 0
    if ($Suites.Count -eq 0) { $failed = 1 }
    # Skipped tests are shown, never hidden: a test that cannot run here is not a pass.
    Write-Host ("$passed passed, $failed failed" + ($skipped -gt 0 ? ", $skipped skipped" : ''))
    return ($failed -gt 0 ? 1 : 0)
}
