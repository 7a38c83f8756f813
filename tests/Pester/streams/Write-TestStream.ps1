#Requires -Version 7.4
# Deterministic stream generator for the stream tests and the benchmark: writes -MiB mebibytes to standard output,
# each MiB the next 1 MiB of System.Random(-Seed) (or, with -Text, a repeated log line), and says so on standard
# error. -FailAfterMiB n: write n MiB, a line to standard error, then exit with -ExitCode. -Endless: never stop.
# -PidFile: write this process's id there once started; -ChildPidFile: also start a child process (sleep) and
# write its id there, so tests can check that a whole process tree is stopped. -MarkerFile: create it at start.
param(
    [long] $MiB = 1, [int] $Seed = 1, [switch] $Text, [long] $FailAfterMiB = -1, [int] $ExitCode = 3,
    [switch] $Endless, [string] $PidFile, [string] $ChildPidFile, [string] $MarkerFile
)
$ErrorActionPreference = 'Stop'
if ($MarkerFile) { Set-Content -LiteralPath $MarkerFile -Value 'started' }
if ($ChildPidFile) {
    $child = Start-Process -FilePath ($IsWindows ? 'ping.exe' : 'sleep') -ArgumentList ($IsWindows ? @('-n', '600', '127.0.0.1') : @('600')) -PassThru -NoNewWindow
    Set-Content -LiteralPath $ChildPidFile -Value $child.Id
}
$out = [Console]::OpenStandardOutput()
$buffer = [byte[]]::new(1MB)
$rng = [Random]::new($Seed)
if ($Text) {
    $line = [Text.Encoding]::UTF8.GetBytes("2026-12-02T01:00:00Z INFO stream test line for compression`n")
    for ($i = 0; $i -lt $buffer.Length; $i++) { $buffer[$i] = $line[$i % $line.Length] }
}
[Console]::Error.WriteLine("Write-TestStream: starting")
if ($PidFile) { Set-Content -LiteralPath $PidFile -Value $PID }
for ($i = 0; $Endless -or $i -lt $MiB; $i++) {
    if ($i -eq $FailAfterMiB) {
        $out.Flush()
        [Console]::Error.WriteLine("Write-TestStream: failing on purpose after $i MiB")
        exit $ExitCode
    }
    if (-not $Text) { $rng.NextBytes($buffer) }
    $out.Write($buffer, 0, $buffer.Length)
}
$out.Flush()
[Console]::Error.WriteLine("Write-TestStream: wrote $MiB MiB")
