#Requires -Version 7.4
# Optimize-OffsiteRepository (issue 12 item 3, "Retention frees space"): the built module in real processes.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:OldHome = $env:ONEDRIVE_OFFSITE_HOME
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $env:ONEDRIVE_OFFSITE_HOME = $script:ConfigHome
    $null = New-OffsiteKey -WarningAction SilentlyContinue

    # Two files of $Size that differ in a 60 KiB stretch out of every 200 KiB: once the first one's snapshot is
    # removed, its pack is mostly unused but still needed by the second one.
    function New-PartlyShared([string] $Prefix, [int] $Size, [int] $Seed, [int] $StretchSeed = $Seed + 1) {
        $shared = [byte[]]::new($Size); [Random]::new($Seed).NextBytes($shared)
        $a = [byte[]]$shared.Clone(); $b = [byte[]]$shared.Clone()
        $random = [Random]::new($StretchSeed); $stretch = [byte[]]::new(60KB)
        for ($i = 0; $i + 60KB -le $Size; $i += 200KB) {
            $random.NextBytes($stretch); [Array]::Copy($stretch, 0, $a, $i, 60KB)
            $random.NextBytes($stretch); [Array]::Copy($stretch, 0, $b, $i, 60KB)
        }
        foreach ($pair in @(@('a', $a), @('b', $b))) { [IO.File]::WriteAllBytes((Join-Path $TestDrive "$Prefix-$($pair[0]).bin"), $pair[1]) }
        (Join-Path $TestDrive "$Prefix-a.bin"), (Join-Path $TestDrive "$Prefix-b.bin")
    }
    function Get-SetFiles([string] $Repo, [string] $Set) {
        @(Get-ChildItem -LiteralPath (Join-Path $Repo "$Set/packs"), (Join-Path $Repo "$Set/index") -File -ErrorAction SilentlyContinue)
    }
    function Get-StoredBytes([string] $Repo, [string] $Set) { [long](Get-SetFiles $Repo $Set | Measure-Object Length -Sum).Sum }
    function Assert-Restores($Snapshot, [string] $Source) {
        $out = (New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))).FullName
        $restored = $Snapshot | Restore-OffsiteBackup -Destination $out -NoNotification -ErrorAction Stop
        (Get-FileHash -LiteralPath $restored.FullName).Hash | Should -Be (Get-FileHash -LiteralPath $Source).Hash -Because "snapshot $($Snapshot.SnapshotId) is Complete"
        Remove-Item -LiteralPath $out -Recurse -Force
    }
}

AfterAll {
    $env:ONEDRIVE_OFFSITE_HOME = $script:OldHome
}

Describe 'Optimize-OffsiteRepository after Remove-OffsiteBackup' {
    BeforeAll {
        $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo-optimize')).FullName
        $script:OldFile, $script:NewFile = New-PartlyShared -Prefix 'opt' -Size 3MB -Seed 41
        Start-OffsiteBackup -LiteralPath $script:OldFile -Name dedup -Repository $script:Repo -Format 2 -NoNotification | Out-Null
        $script:Kept = Start-OffsiteBackup -LiteralPath $script:NewFile -Name dedup -Repository $script:Repo -Format 2 -NoNotification
        Start-OffsiteBackup -LiteralPath $script:OldFile -Name full -Repository $script:Repo -Format 1 -NoNotification | Out-Null
        Remove-OffsiteBackup -Name dedup -Repository $script:Repo -KeepLast 1 -Force
    }

    It '-WhatIf says what it would rewrite and free, and changes nothing' {
        $before = Get-SetFiles $script:Repo 'dedup' | ForEach-Object { "$($_.Name):$($_.Length)" }
        $command = "Import-Module '$script:Module'; `$env:ONEDRIVE_OFFSITE_HOME = '$script:ConfigHome'; " +
            "Optimize-OffsiteRepository -Name * -Repository '$script:Repo' -WhatIf"
        $lines = & (Get-TestPwsh) -NoProfile -NonInteractive -Command $command | Out-String
        $LASTEXITCODE | Should -Be 0
        $lines | Should -Match "What if: .*set 'dedup': rewrite 1 pack\(s\) with more than 10% unused space.*frees about"
        $lines | Should -Not -Match "set 'full'" -Because 'a format 1 set has nothing to rewrite'
        Get-SetFiles $script:Repo 'dedup' | ForEach-Object { "$($_.Name):$($_.Length)" } | Should -Be $before
    }

    It 'rewrites the partly used pack, frees its unused bytes (as reported), and the kept snapshot restores by SHA-256' {
        $storedBefore = Get-StoredBytes $script:Repo 'dedup'
        $packsBefore = @(Get-ChildItem -LiteralPath (Join-Path $script:Repo 'dedup/packs') -File).Name

        $results = @(Optimize-OffsiteRepository -Name dedup, full -Repository $script:Repo -ErrorAction Stop)

        $dedup = $results | Where-Object Name -eq 'dedup'
        $dedup.Format | Should -Be 2
        $dedup.PacksRewritten | Should -Be 1 -Because "the removed snapshot left one pack mostly unused"
        $dedup.StoredSizeBefore | Should -Be $storedBefore
        $dedup.StoredSizeAfter | Should -Be (Get-StoredBytes $script:Repo 'dedup')
        $dedup.Freed | Should -BeGreaterThan 1.5MB -Because 'about 60% of the removed snapshot pack was no longer needed'
        $packsAfter = @(Get-ChildItem -LiteralPath (Join-Path $script:Repo 'dedup/packs') -File).Name
        @($packsAfter | Where-Object { $_ -in $packsBefore }).Count | Should -Be ($packsBefore.Count - $dedup.PacksRewritten)
        @(Get-ChildItem -LiteralPath (Join-Path $script:Repo 'dedup/index') -File) | Should -HaveCount 1
        $full = $results | Where-Object Name -eq 'full'
        $full.Format | Should -Be 1
        $full.Note | Should -Be 'nothing to do (format 1)'
        Assert-Restores -Snapshot $script:Kept -Source $script:NewFile
        # The default view: one row per set with sizes a person reads, within 80 columns.
        $table = $results | Out-String -Width 80
        $table | Should -Match 'Name\s+Format\s+Rewritten\s+Deleted\s+Before\s+After\s+Freed'
        $table | Should -Match ('dedup\s+2\s+1\s+\d+\s+[\d.]+ MiB\s+[\d.]+ MiB\s+' + [regex]::Escape([OnedriveOffsite.Infrastructure.Sizes]::Format($dedup.Freed)))
        $table | Should -Match 'full\s+1\s+0\s+0\s+0 B\s+0 B\s+0 B\s+nothing to do \(format 1\)'
        $again = Optimize-OffsiteRepository -Name dedup -Repository $script:Repo
        $again.Note | Should -Be 'nothing to do'
        $again.Freed | Should -Be 0
    }

    It 'a set name that does not exist is SetNotFound' {
        { Optimize-OffsiteRepository -Name nosuchset -Repository $script:Repo -ErrorAction Stop } |
            Should -Throw -ErrorId 'SetNotFound,OnedriveOffsite.Commands.OptimizeOffsiteRepositoryCommand'
    }
}

Describe 'A format 2 backup, a retention run and an optimize started together (real processes)' {
    It 'the set lock keeps them apart: one waits (-Wait) or fails with SetLocked, and every Complete snapshot restores bit for bit (5 rounds)' {
        $repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo-race2')).FullName
        # Three contents that share most of their data: a backup of one reuses chunks of the snapshots the retention
        # run deletes, so pruning or repacking underneath a running backup would leave a Complete snapshot that fails.
        $a, $b = New-PartlyShared -Prefix 'race1' -Size 1MB -Seed 51
        $null, $c = New-PartlyShared -Prefix 'race2' -Size 1MB -Seed 51 -StretchSeed 99
        $sources = @($a, $b, $c)
        Start-OffsiteBackup -LiteralPath $c -Name race -Repository $repo -Format 2 -NoNotification | Out-Null
        $child = Join-Path $TestDrive 'race-child.ps1'
        Set-Content -LiteralPath $child -Value @'
param([string] $Module, [string] $Home_, [string] $Repo, [string] $Barrier, [string] $Role, [string] $SourceList, [int] $Rounds)
$Sources = $SourceList.Split('|')
Import-Module $Module
$env:ONEDRIVE_OFFSITE_HOME = $Home_
for ($round = 1; $round -le $Rounds; $round++) {
    New-Item -ItemType File -Path (Join-Path $Barrier "$round-$Role") | Out-Null
    while (@([IO.Directory]::GetFiles($Barrier, "$round-*")).Count -lt 3) { Start-Sleep -Milliseconds 10 }
    # The backup always waits for the lock (so every round has one, however the three are scheduled); odd rounds the
    # retention run waits too, even rounds the optimize does; the other one may fail with SetLocked.
    $removeWaits = $round % 2 -eq 1
    try {
        switch ($Role) {
            'backup' { $s = Start-OffsiteBackup -LiteralPath $Sources[$round % 3] -Name race -Repository $Repo -Format 2 -NoNotification -Wait -ErrorAction Stop; "ok:$($s.SnapshotId)" }
            'remove' { Remove-OffsiteBackup -Name race -Repository $Repo -KeepLast 1 -Force -Wait:$removeWaits -ErrorAction Stop; 'ok:remove' }
            'optimize' { $null = Optimize-OffsiteRepository -Name race -Repository $Repo -MaxUnusedPercent 0 -Wait:(-not $removeWaits) -ErrorAction Stop; 'ok:optimize' }
        }
    } catch {
        "err:$($_.FullyQualifiedErrorId.Split(',')[0])"
    }
}
'@
        $barrier = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'race2-barrier')).FullName
        $rounds = 5
        $procs = foreach ($role in 'backup', 'remove', 'optimize') {
            $out = Join-Path $barrier "out-$role.txt"
            $arguments = @('-NoProfile', '-NonInteractive', '-File', $child, '-Module', $script:Module, '-Home_', $script:ConfigHome, '-Repo', $repo,
                '-Barrier', $barrier, '-Role', $role, '-Rounds', "$rounds", '-SourceList', ($sources -join '|'))
            [pscustomobject]@{ Role = $role; Out = $out; Process = Start-Process -FilePath (Get-TestPwsh) -ArgumentList $arguments -RedirectStandardOutput $out -PassThru }
        }
        foreach ($p in $procs) {
            if (-not $p.Process.WaitForExit(300000)) { Stop-Process -Id $p.Process.Id -Force; throw "the $($p.Role) session hung" }
        }
        $outcomes = @{}
        foreach ($p in $procs) { $outcomes[$p.Role] = @(Get-Content -LiteralPath $p.Out | Where-Object { $_ -match '^(ok|err):' }) }

        foreach ($role in $outcomes.Keys) { $outcomes[$role] | Should -HaveCount $rounds -Because "$role ran $rounds rounds" }
        $all = $outcomes.Values | ForEach-Object { $_ }
        $all | Where-Object { $_ -like 'err:*' } | ForEach-Object { $_ | Should -Be 'err:SetLocked' }
        for ($i = 0; $i -lt $rounds; $i += 2) { $outcomes['remove'][$i] | Should -Be 'ok:remove' -Because "in round $($i + 1) the retention run waits for the lock (-Wait)" }
        for ($i = 1; $i -lt $rounds; $i += 2) { $outcomes['optimize'][$i] | Should -Be 'ok:optimize' -Because "in round $($i + 1) the optimize waits for the lock (-Wait)" }
        @($all | Where-Object { $_ -eq 'err:SetLocked' }).Count | Should -BeGreaterThan 0 -Because 'runs started together must meet the lock'
        $outcomes['backup'] | ForEach-Object { $_ | Should -BeLike 'ok:*' -Because 'the backup waits for the lock (-Wait) in every round' }

        $complete = @(Get-OffsiteBackup -Name race -Repository $repo | Where-Object State -eq 'Complete')
        $complete.Count | Should -BeGreaterThan 0
        foreach ($s in $complete) {
            $source = $sources | Where-Object { (Split-Path -Leaf $_) -eq $s.SourceName }
            Assert-Restores -Snapshot $s -Source $source
        }
        Join-Path $repo 'race/.lock' | Should -Not -Exist
    }
}
