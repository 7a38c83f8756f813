# Sample inputs for the demo and the benchmark: random bytes, log-like text, or both halves ("mixed").
Set-StrictMode -Version Latest

function New-RandomFile([string] $Path, [long] $Size) {
    $buffer = [byte[]]::new(1MB)
    $rng = [Random]::new(42)
    $fs = [IO.File]::Create($Path)
    try {
        for ($done = 0L; $done -lt $Size; $done += $buffer.Length) {
            $rng.NextBytes($buffer)
            $fs.Write($buffer, 0, [int][Math]::Min($buffer.Length, $Size - $done))
        }
    } finally { $fs.Dispose() }
}

# Log-like text: a few distinct 1 MiB blocks of varied lines, repeated (compresses like real logs and dumps).
function New-TextFile([string] $Path, [long] $Size, [switch] $Append) {
    $rng = [Random]::new(7)
    $blocks = foreach ($b in 1..8) {
        $sb = [Text.StringBuilder]::new(1MB + 200)
        while ($sb.Length -lt 1MB) {
            $null = $sb.AppendFormat('2026-11-26T01:{0:00}:{1:00}.{2:000}Z pve1 vzdump[{3}]: INFO: transferred {4} MiB of 32.0 GiB ({5}%) in {6}s, read {7} MiB/s, write {8} MiB/s, sparse {9}`n',
                $rng.Next(60), $rng.Next(60), $rng.Next(1000), $rng.Next(1000, 99999), $rng.Next(32768), $rng.Next(100), $rng.Next(4000), $rng.Next(900), $rng.Next(900), $rng.Next(1000000))
        }
        , [Text.Encoding]::UTF8.GetBytes($sb.ToString(0, 1MB))
    }
    $fs = [IO.FileStream]::new($Path, $(if ($Append) { 'Append' } else { 'Create' }))
    try {
        for ($i = 0; ($i * 1MB) -lt $Size; $i++) {
            $fs.Write($blocks[$i % $blocks.Count], 0, [int][Math]::Min(1MB, $Size - $i * 1MB))
        }
    } finally { $fs.Dispose() }
}

function New-MixedFile([string] $Path, [long] $Size) {
    $half = [long]($Size / 2)
    New-RandomFile -Path $Path -Size $half
    New-TextFile -Path $Path -Size ($Size - $half) -Append
}

Export-ModuleMember -Function New-RandomFile, New-TextFile, New-MixedFile
