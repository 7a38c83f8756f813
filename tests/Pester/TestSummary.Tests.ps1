#Requires -Version 7.4
# The summary that ends `./build.ps1 Test` (build/TestRun.ps1): CI shows only the tail of a long log, so the tail
# must name every failed test and end with the `N passed, N failed[, N skipped]` line.

BeforeAll {
    $root = Split-Path -Parent (Split-Path -Parent $PSScriptRoot)
    . (Join-Path $root 'build/Common.ps1')
    . (Join-Path $root 'build/TestRun.ps1')

    function Get-SummaryText($Suites) {
        $list = [System.Collections.Generic.List[object]]::new()
        foreach ($suite in $Suites) { $list.Add($suite) }
        $lines = @(Write-TestSummary -Suites $list 6>&1 | ForEach-Object { "$_" })
        [pscustomobject]@{ ExitCode = [int]$lines[-1]; Lines = $lines[0..($lines.Count - 2)] }
    }
}

Describe 'The test summary' {
    It 'names every failed xunit test read from a TRX, counts skipped and other outcomes, and ends with the totals' {
        $dir = Join-Path $TestDrive 'trx'
        $null = New-Item -ItemType Directory -Path $dir
        @'
<?xml version="1.0" encoding="utf-8"?>
<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult testName="A.Passes" outcome="Passed" />
    <UnitTestResult testName="A.IsSkipped" outcome="NotExecuted" />
    <UnitTestResult testName="A.Breaks" outcome="Failed" />
    <UnitTestResult testName="A.TimesOut" outcome="Timeout" />
  </Results>
</TestRun>
'@ | Set-Content -LiteralPath (Join-Path $dir 'run.trx')
        $xunit = New-SuiteResult -Name 'xunit'
        Add-TrxResults -Result $xunit -Directory $dir

        $pester = New-SuiteResult -Name 'Pester' -Passed 3
        $summary = Get-SummaryText @($xunit, $pester)

        $summary.ExitCode | Should -Be 1
        $summary.Lines[-1] | Should -Be '4 passed, 2 failed, 1 skipped'
        $failedLines = @($summary.Lines | Where-Object { $_ -match '^\s+failed: ' })
        $failedLines.Trim() | Should -Be @('failed: A.Breaks', 'failed: A.TimesOut')
    }

    It 'exits 0 and names nothing when every test passed' {
        $summary = Get-SummaryText @((New-SuiteResult -Name 'xunit' -Passed 2), (New-SuiteResult -Name 'Pester' -Passed 1))

        $summary.ExitCode | Should -Be 0
        $summary.Lines[-1] | Should -Be '3 passed, 0 failed'
        @($summary.Lines | Where-Object { $_ -match 'failed: ' }) | Should -BeNullOrEmpty
    }
}
