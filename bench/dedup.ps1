#Requires -Version 7.4
<#
.SYNOPSIS
    Format 2 (deduplicated) benchmark: bytes a second backup adds, next to restic on the same files, and speed
    against openssl on 1 GiB of random data (issue 12's targets).
.DESCRIPTION
    Files: the bench's 1 GiB mixed file (half random, half log-like text) and three edits of it: unchanged; 2% of its
    64 KiB blocks replaced with random bytes at random places; 100 bytes inserted near the start (at 4 KiB). Each
    edit: a fresh repository, a first backup of the original, then a backup of the edit; "added" is how much the
    repository grew (every file counted). restic (Debian package `restic`) runs the same steps with its defaults.
    Speed: 1 GiB random, local repository, each step in a fresh pwsh under GNU time (peak RSS); MB/s timed inside;
    -Repeat rounds (default 3, each from an empty repository), the median shown. Run it with -WorkDirectory in tmpfs
    (/dev/shm/...) to measure the tool rather than the disk (a restore ends with a flush of the whole file).
    Writes output/bench/dedup.md.

    -BigIndexEntries N (e.g. 10000000) runs only the big-index rows instead: a set whose index holds N chunks (one real
    index file of N fake entries, synthesized with the engine's own index writer, as ~10 M distinct chunks of 30
    nightly 500 GB snapshots would be), plus a real -BigIndexFileSize random file backed up into it; then a backup with
    no local index cache, an unchanged backup with the cache, and a restore, each in a fresh pwsh under GNU time.
    -BaselineModulePath runs the same backup and restore with another build (the module before the change) for the
    "before" rows. Writes output/bench-dedup/dedup-bigindex.md.
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../output/OnedriveOffsite/OnedriveOffsite.psd1'),
    [long] $Size = 1GB,
    [string] $WorkDirectory = (Join-Path $PSScriptRoot '../output/bench-dedup'),
    [switch] $SkipRestic,
    [switch] $SpeedOnly,
    [long] $BigIndexEntries = 0,
    [long] $BigIndexFileSize = 64MB,
    [string] $BaselineModulePath,
    # Speed rows: each step runs this many times (a fresh repository each round); the table shows the median run.
    [int] $Repeat = 3
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Import-Module (Join-Path $PSScriptRoot 'SampleData.psm1') -Force
Import-Module (Join-Path $PSScriptRoot 'BenchStats.psm1') -Force
$ModulePath = (Resolve-Path $ModulePath).Path
$work = (New-Item -ItemType Directory -Force -Path $WorkDirectory).FullName
$pwsh = (Get-Process -Id $PID).Path
[string[]] $pwshArgs = if ((Split-Path $pwsh -Leaf) -like 'dotnet*') { @([Environment]::GetCommandLineArgs()[0]) } else { @() }
$env:ONEDRIVE_OFFSITE_HOME = Join-Path $work 'config'
Remove-Item $env:ONEDRIVE_OFFSITE_HOME -Recurse -Force -ErrorAction SilentlyContinue
Import-Module $ModulePath
$null = New-OffsiteKey -WarningAction SilentlyContinue

function Get-TreeSize([string] $Path) { (Get-ChildItem -LiteralPath $Path -Recurse -File -Force | Measure-Object Length -Sum).Sum ?? 0 }

# One OnedriveOffsite step in a fresh pwsh under GNU time: returns seconds (timed inside), peak RSS MiB, and CPU seconds
# (user + sys of the whole process, module import included): much less sensitive than wall time to other load.
function Invoke-Step([string] $Script, [string] $Module = $ModulePath) {
    $timeFile = Join-Path $work 'time.txt'
    $scriptFile = Join-Path $work 'step.ps1'
    Set-Content -LiteralPath $scriptFile -Value ("`$ErrorActionPreference='Stop'; Import-Module '$Module'; `$w = [Diagnostics.Stopwatch]::StartNew(); " +
        "$Script | Out-Null; 'SECONDS=' + `$w.Elapsed.TotalSeconds.ToString([Globalization.CultureInfo]::InvariantCulture)")
    $out = & /usr/bin/time -f '%M %e %U %S' -o $timeFile $pwsh @pwshArgs -NoProfile -NonInteractive -File $scriptFile
    if ($LASTEXITCODE -ne 0) { throw "step failed: $Script`n$out" }
    $seconds = [double](($out | Where-Object { $_ -like 'SECONDS=*' }) -replace 'SECONDS=', '')
    $t = @(Get-Content $timeFile)[-1].Split(' ')
    [pscustomobject]@{ Seconds = $seconds; RssMiB = [math]::Round([double]$t[0] / 1024); CpuSeconds = [double]$t[2] + [double]$t[3] }
}

# --- a set whose index does not fit the old in-memory design (-BigIndexEntries) -----------------------------------------
if ($BigIndexEntries -gt 0) {
    $engine = Join-Path (Split-Path $ModulePath) 'Dependencies/OnedriveOffsite.Engine.dll'
    Add-Type -IgnoreWarnings -WarningAction SilentlyContinue -ReferencedAssemblies $engine, 'System.Runtime', 'System.Collections', 'System.Linq', 'System.Security.Cryptography' -TypeDefinition @'
using System.Security.Cryptography;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Engine.Dedup;
public static class BenchBigIndex
{
    /// Writes one index file of `count` fake chunk entries (random ids, one fake pack) into <repo>/<set>/index.
    public static string Write(string repo, string set, string home, long count)
    {
        var key = new KeyStore(new ConfigHome(home)).Load();
        var random = new System.Random(1);
        var pack = new PackRecord(RandomNumberGenerator.GetBytes(16), new byte[32], 16L << 20, new byte[32]);
        using var spill = new IndexEntrySpill();
        var id = new byte[32];
        for (long i = 0; i < count; i++)
        {
            random.NextBytes(id);
            spill.Add(new IndexEntry(ChunkId.Read(id), 0, (uint)(i % 256) * 65536, 65536, 65536));
        }
        var indexId = RandomNumberGenerator.GetBytes(16);
        var dir = System.IO.Path.Combine(repo, set, V2Layout.IndexFolder);
        System.IO.Directory.CreateDirectory(dir);
        var path = System.IO.Path.Combine(dir, V2Layout.IndexName(indexId));
        using var file = System.IO.File.Create(path);
        IndexFileCodec.WriteAsync(b => file.WriteAsync(b).AsTask(), key, indexId, RandomNumberGenerator.GetBytes(32), set, new[] { pack }, spill).GetAwaiter().GetResult();
        return path;
    }
}
'@
    $repo = Join-Path $work 'repo-big'; Remove-Item $repo -Recurse -Force -ErrorAction SilentlyContinue; $null = New-Item -ItemType Directory $repo
    $small = Join-Path $work 'big-index-source.bin'
    if (-not (Test-Path $small) -or (Get-Item $small).Length -ne $BigIndexFileSize) { New-RandomFile -Path $small -Size $BigIndexFileSize }
    $w = [Diagnostics.Stopwatch]::StartNew()
    $fake = [BenchBigIndex]::Write($repo, 'big', $env:ONEDRIVE_OFFSITE_HOME, $BigIndexEntries)
    Write-Host ("synthesized {0:N0} entries: {1:N0} MB in {2:N1} s" -f $BigIndexEntries, ((Get-Item $fake).Length / 1e6), $w.Elapsed.TotalSeconds)
    $restored = Join-Path $work 'restored-big.bin'
    $cache = Join-Path $env:ONEDRIVE_OFFSITE_HOME 'index-cache'
    $backup = "Start-OffsiteBackup -LiteralPath '$small' -Name big -Repository '$repo' -Format 2 -NoNotification"
    $restore = "Restore-OffsiteBackup -Name big -Repository '$repo' -Destination '$restored' -Force -NoNotification"
    $steps = [Collections.Generic.List[object]]::new()
    if ($BaselineModulePath) {
        $BaselineModulePath = (Resolve-Path $BaselineModulePath).Path
        $steps.Add(@('before: backup (index in memory)', $backup, $BaselineModulePath, $false))
        $steps.Add(@('before: unchanged backup', $backup, $BaselineModulePath, $false))
        $steps.Add(@('before: restore', $restore, $BaselineModulePath, $false))
    }
    $steps.Add(@('after: backup, no local index cache (builds it)', $backup, $ModulePath, $true))
    $steps.Add(@('after: unchanged backup, cache in the config home', $backup, $ModulePath, $false))
    $steps.Add(@('after: restore, cache in the config home', $restore, $ModulePath, $false))
    $steps.Add(@('after: restore, no local index cache (builds it)', $restore, $ModulePath, $true))
    $rows = [Collections.Generic.List[string]]::new()
    $rows.Add("Set with $('{0:N0}' -f $BigIndexEntries) indexed chunks (index file $('{0:N0}' -f ((Get-Item $fake).Length / 1e6)) MB) + a $($BigIndexFileSize / 1MB) MiB random file, local repository")
    $rows.Add('')
    $rows.Add('| Step | seconds (inside) | peak RSS MiB | CPU s (user+sys, incl. import) | cache file MB | restore bit-exact |')
    $rows.Add('|---|---|---|---|---|---|')
    foreach ($step in $steps) {
        if ($step[3]) { Remove-Item $cache -Recurse -Force -ErrorAction SilentlyContinue }
        Remove-Item $restored -ErrorAction SilentlyContinue
        $r = Invoke-Step $step[1] $step[2]
        $cacheFiles = @(Get-ChildItem $cache -Filter *.ooic -ErrorAction SilentlyContinue)
        $cacheMb = if ($cacheFiles.Count) { ($cacheFiles | Measure-Object Length -Sum).Sum / 1e6 } else { 0 }
        $exact = if (Test-Path $restored) { (Get-FileHash $restored).Hash -eq (Get-FileHash $small).Hash } else { '' }
        $rows.Add(("| {0} | {1:N1} | {2} | {3:N2} | {4:N0} | {5} |" -f $step[0], $r.Seconds, $r.RssMiB, $r.CpuSeconds, $cacheMb, $exact))
        Write-Host $rows[-1]
    }
    $rows.Add('')
    $rows.Add("Machine: $([Environment]::ProcessorCount) vCPUs; $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC; load: $((Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -join ' ').")
    $rows | Set-Content (Join-Path $work 'dedup-bigindex.md')
    $rows
    return
}

# --- the files (not needed for the speed rows alone) -------------------------------------------------------------------
$edits = [ordered]@{}
if (-not $SpeedOnly) {
    $mixed = Join-Path $work 'mixed.bin'
    if (-not (Test-Path $mixed) -or (Get-Item $mixed).Length -ne $Size) { New-MixedFile -Path $mixed -Size $Size }
    $edits['unchanged'] = $mixed
    $changed = Join-Path $work 'mixed-2pct.bin'
    Copy-Item $mixed $changed -Force
    $blocks = [long]($Size / 64KB)
    $rng = [Random]::new(12)
    $fs = [IO.File]::OpenWrite($changed)
    try {
        $buffer = [byte[]]::new(64KB)
        foreach ($b in (0..($blocks - 1) | Get-Random -Count ([int]($blocks * 0.02)) -SetSeed 12)) {
            $rng.NextBytes($buffer); $fs.Position = $b * 64KB; $fs.Write($buffer, 0, $buffer.Length)
        }
    } finally { $fs.Dispose() }
    $edits['2% of 64 KiB blocks replaced'] = $changed
    $inserted = Join-Path $work 'mixed-insert.bin'
    $in = [IO.File]::OpenRead($mixed); $out = [IO.File]::Create($inserted)
    try {
        $head = [byte[]]::new(4096); $null = $in.Read($head, 0, 4096); $out.Write($head, 0, 4096)
        $out.Write([byte[]]::new(100), 0, 100); $in.CopyTo($out)
    } finally { $in.Dispose(); $out.Dispose() }
    $edits['100 bytes inserted near the start'] = $inserted
}

# --- bytes added by the second backup ---------------------------------------------------------------------------------
$rows = [Collections.Generic.List[string]]::new()
$rows.Add('| Second backup of the 1 GiB mixed file | OnedriveOffsite format 2 added MB | first backup stored MB | restic ' + $(if ($SkipRestic) { '(skipped)' } else { (restic version).Split(' ')[1] }) + ' added MB | restic first MB |')
$rows.Add('|---|---|---|---|---|')
foreach ($name in $edits.Keys) {
    $repo = Join-Path $work 'repo'; Remove-Item $repo -Recurse -Force -ErrorAction SilentlyContinue; $null = New-Item -ItemType Directory $repo
    Start-OffsiteBackup -LiteralPath $mixed -Name mixed -Repository $repo -Format 2 -NoNotification | Out-Null
    $first = Get-TreeSize $repo
    $s = Start-OffsiteBackup -LiteralPath $edits[$name] -Name mixed -Repository $repo -Format 2 -NoNotification
    $added = (Get-TreeSize $repo) - $first
    $restored = Join-Path $work 'restored.bin'
    Restore-OffsiteBackup -InputObject $s -Destination $restored -Force -NoNotification | Out-Null
    $exact = (Get-FileHash $restored).Hash -eq (Get-FileHash $edits[$name]).Hash
    Remove-Item $restored
    $resticAdded = ''; $resticFirst = ''
    if (-not $SkipRestic) {
        $rrepo = Join-Path $work 'restic'; Remove-Item $rrepo -Recurse -Force -ErrorAction SilentlyContinue
        $env:RESTIC_PASSWORD = 'bench'
        restic init -q -r $rrepo | Out-Null
        $src = Join-Path $work 'restic-src'; $null = New-Item -ItemType Directory -Force $src
        Copy-Item $mixed (Join-Path $src 'image.bin') -Force
        restic backup -q -r $rrepo $src | Out-Null
        $rf = Get-TreeSize $rrepo
        Copy-Item $edits[$name] (Join-Path $src 'image.bin') -Force
        restic backup -q -r $rrepo $src | Out-Null
        $resticAdded = '{0:N1}' -f (((Get-TreeSize $rrepo) - $rf) / 1e6); $resticFirst = '{0:N1}' -f ($rf / 1e6)
    }
    $rows.Add(("| {0} | {1:N1} (restore bit-exact: {2}) | {3:N1} | {4} | {5} |" -f $name, ($added / 1e6), $exact, ($first / 1e6), $resticAdded, $resticFirst))
    Write-Host $rows[-1]
}

# --- speed on 1 GiB random ------------------------------------------------------------------------------------------
$random = Join-Path $work 'random.bin'
if (-not (Test-Path $random) -or (Get-Item $random).Length -ne $Size) { New-RandomFile -Path $random -Size $Size }
$null = Get-FileHash $random
$opensslRuns = foreach ($r in 1..$Repeat) {
    $w = [Diagnostics.Stopwatch]::StartNew(); $null = & /usr/bin/time -f '%U %S' -o (Join-Path $work 'time.txt') openssl dgst -sha256 $random
    [pscustomobject]@{ Seconds = $w.Elapsed.TotalSeconds
        CpuSeconds = (@(Get-Content (Join-Path $work 'time.txt'))[-1].Split(' ') | ForEach-Object { [double]$_ } | Measure-Object -Sum).Sum }
}
$opensslRun = Select-MedianRun @($opensslRuns) $Size
$openssl = $Size / 1e6 / $opensslRun.Seconds; $opensslCpu = $opensslRun.CpuSeconds
$repo = Join-Path $work 'repo'
$restored = Join-Path $work 'restored.bin'
$steps = [ordered]@{
    'first backup' = "Start-OffsiteBackup -LiteralPath '$random' -Name rnd -Repository '$repo' -Format 2 -NoNotification"
    'unchanged second backup' = "Start-OffsiteBackup -LiteralPath '$random' -Name rnd -Repository '$repo' -Format 2 -NoNotification"
    'restore' = "Restore-OffsiteBackup -Name rnd -Repository '$repo' -Destination '$restored' -Force -NoNotification"
    'format 1 backup (reference)' = "Start-OffsiteBackup -LiteralPath '$random' -Name rnd1 -Repository '$repo' -Format 1 -NoNotification"
    'pwsh + module import only (reference)' = "Get-Date"
}
$runs = @{}; foreach ($step in $steps.Keys) { $runs[$step] = [System.Collections.Generic.List[object]]::new() }
foreach ($r in 1..$Repeat) {
    # Every round starts from an empty repository and no local index cache, as a first backup does.
    Remove-Item $repo -Recurse -Force -ErrorAction SilentlyContinue; $null = New-Item -ItemType Directory $repo
    Remove-Item (Join-Path $env:ONEDRIVE_OFFSITE_HOME 'index-cache') -Recurse -Force -ErrorAction SilentlyContinue
    Remove-Item $restored -Force -ErrorAction SilentlyContinue # a restore into a new file, not the freeing of the last one
    foreach ($step in $steps.Keys) { Write-Host "$step (run $r of $Repeat)..."; $runs[$step].Add((Invoke-Step $steps[$step])) }
}
$rows.Add('')
$rows.Add("| 1 GiB random, local repository (median of $Repeat) | MB/s | each run MB/s | openssl sha256 MB/s | vs openssl | peak RSS MiB | CPU s (user+sys, incl. import) | openssl CPU s |")
$rows.Add('|---|---|---|---|---|---|---|---|')
foreach ($step in $steps.Keys) {
    $r = Select-MedianRun @($runs[$step]) $Size
    if ($step -like 'pwsh*') { $rows.Add(("| {0} | | | | | {1} | {2:N2} | |" -f $step, $r.RssMiB, $r.CpuSeconds)); Write-Host $rows[-1]; continue }
    $mbs = $Size / 1e6 / $r.Seconds
    $rows.Add(("| {0} | {1:N0} | {2} | {3:N0} | {4:N0} % | {5} | {6:N2} | {7:N2} |" -f $step, $mbs, $r.RunsMBs, $openssl, (100 * $mbs / $openssl),
        $r.RssMiB, $r.CpuSeconds, $opensslCpu))
    Write-Host $rows[-1]
}
$exact = (Get-FileHash $restored).Hash -eq (Get-FileHash $random).Hash
$rows.Add("")
$rows.Add("Restore bit-exact: $exact. Machine: $([Environment]::ProcessorCount) vCPUs; $(Get-Date -AsUTC -Format 'yyyy-MM-dd HH:mm') UTC; load: $((Get-Content /proc/loadavg -ErrorAction SilentlyContinue) -join ' ').")
$rows | Set-Content (Join-Path $work 'dedup.md')
$rows
