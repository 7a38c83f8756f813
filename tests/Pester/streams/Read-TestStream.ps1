#Requires -Version 7.4
# Consumer for the stream tests: reads standard input to its end and writes "<sha256 hex> <byte count>" to -OutFile.
# -StopAfterBytes n: stop reading after n bytes and exit with -ExitCode (a consumer that gives up early).
param([Parameter(Mandatory)] [string] $OutFile, [long] $StopAfterBytes = -1, [int] $ExitCode = 0)
$ErrorActionPreference = 'Stop'
$in = [Console]::OpenStandardInput()
$sha = [Security.Cryptography.IncrementalHash]::CreateHash('SHA256')
$buffer = [byte[]]::new(1MB)
[long] $total = 0
while (($n = $in.Read($buffer, 0, $buffer.Length)) -gt 0) {
    $sha.AppendData($buffer, 0, $n)
    $total += $n
    if ($StopAfterBytes -ge 0 -and $total -ge $StopAfterBytes) {
        Set-Content -LiteralPath $OutFile -Value "stopped $total"
        exit $ExitCode
    }
}
Set-Content -LiteralPath $OutFile -Value ('{0} {1}' -f [Convert]::ToHexString($sha.GetHashAndReset()).ToLowerInvariant(), $total)
exit $ExitCode
