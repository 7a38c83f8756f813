<#
.SYNOPSIS
Runs the Pester suite; build.ps1 starts it in a fresh pwsh so no module or type loaded by the build leaks into
the tests. Writes summary.json (counts) for build.ps1, and an NUnit XML report, into -ResultDirectory.
.NOTES
No Set-StrictMode or $ErrorActionPreference here on purpose: both would leak into every test file's scope.
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $TestPath,
    [Parameter(Mandatory)] [string] $ResultDirectory,
    # Set when build.ps1's own output goes to a file or pipe (CI logs): no colour escape codes then.
    [switch] $Plain
)

Import-Module -Name $PesterManifest -ErrorAction Stop

$configuration = New-PesterConfiguration
$configuration.Run.Path = $TestPath
$configuration.Run.PassThru = $true
$configuration.Run.Exit = $false
$configuration.Output.Verbosity = 'Detailed'
if ($Plain) { $configuration.Output.RenderMode = 'Plaintext' }
# The NUnit report is written after the run, not by Invoke-Pester: Pester's writer throws on a control character in
# a failure message (a child's ANSI colour code), and inside Invoke-Pester that throw lost every count.
$configuration.TestResult.Enabled = $false

$result = Invoke-Pester -Configuration $configuration
$report = Join-Path $ResultDirectory 'pester.xml'
try {
    $result | Export-NUnitReport -Path $report
} catch {
    Remove-Item -LiteralPath $report -ErrorAction Ignore
    Write-Warning "The NUnit report (pester.xml) was not written: $($_.Exception.Message)"
}

[ordered]@{
    Passed           = $result.PassedCount
    Failed           = $result.FailedCount
    Skipped          = $result.SkippedCount
    NotRun           = $result.NotRunCount
    Inconclusive     = $result.InconclusiveCount
    # A failed BeforeAll already fails the tests below it; only a block failure that failed no test (an AfterAll)
    # needs counting on its own. FailedCount of a block sums its nested tests.
    FailedBlocks     = @($result.FailedBlocks | Where-Object FailedCount -EQ 0).Count
    FailedContainers = $result.FailedContainersCount
    Result           = $result.Result
    # Named so the summary at the very end of a long CI log says what failed without scrolling back.
    FailedNames      = @(@($result.Failed | ForEach-Object { $_.ExpandedPath }) +
        @($result.FailedBlocks | Where-Object FailedCount -EQ 0 | ForEach-Object { "$($_.Path -join ' ') (block)" }) +
        @($result.FailedContainers | ForEach-Object { "$($_.Item) (file)" }))
} | ConvertTo-Json | Set-Content -LiteralPath (Join-Path $ResultDirectory 'summary.json')

exit ($result.Result -eq 'Passed' ? 0 : 1)
