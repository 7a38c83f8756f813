# Medians for benchmarks that repeat each step (-Repeat): a shared machine makes single runs noisy.

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object); $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
}

# The run with the median duration (objects with a Seconds property), with every run's MB/s for -Size bytes attached
# (RunsMBs: "a / b / c", in run order) for the table.
function Select-MedianRun([object[]] $Runs, [long] $Size) {
    $sorted = @($Runs | Sort-Object Seconds)
    $median = $sorted[[int][math]::Floor(($sorted.Count - 1) / 2)]
    $median | Add-Member -NotePropertyName RunsMBs -NotePropertyValue (($Runs | ForEach-Object { [math]::Round($Size / 1e6 / $_.Seconds) }) -join ' / ') -PassThru -Force
}

Export-ModuleMember -Function Get-Median, Select-MedianRun
