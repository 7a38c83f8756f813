#Requires -Version 7.4
# One run per set at a time (issue 9 item 5), with real processes; retention and leftovers as users run them.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $env:ONEDRIVE_OFFSITE_HOME = $script:ConfigHome
    $null = New-OffsiteKey -WarningAction SilentlyContinue

    function New-Source([string] $Name, [int] $Size, [int] $Seed) {
        $bytes = [byte[]]::new($Size); [Random]::new($Seed).NextBytes($bytes)
        $path = Join-Path $TestDrive $Name
        [IO.File]::WriteAllBytes($path, $bytes)
        $path
    }

    # A child session that runs $Rounds backups of one file into one set; before each round it waits (file barrier)
    # until every child is ready, so the runs of a round start together. One line per round: ok:<id> or err:<ErrorId>.
    $script:Child = Join-Path $TestDrive 'child.ps1'
    Set-Content -LiteralPath $script:Child -Value @'
param([string] $Module, [string] $Home_, [string] $Source, [string] $Repo, [string] $Barrier, [string] $Me, [int] $Peers, [int] $Rounds, [switch] $Wait)
Import-Module $Module
$env:ONEDRIVE_OFFSITE_HOME = $Home_
for ($round = 1; $round -le $Rounds; $round++) {
    New-Item -ItemType File -Path (Join-Path $Barrier "$round-$Me") | Out-Null
    while (@([IO.Directory]::GetFiles($Barrier, "$round-*")).Count -lt $Peers) { Start-Sleep -Milliseconds 10 }
    try {
        $s = Start-OffsiteBackup -LiteralPath $Source -Name race -Repository $Repo -Format 1 -PartSize 64KB -ThrottleLimit 2 -NoNotification -Wait:$Wait -ErrorAction Stop
        "ok:$($s.SnapshotId)"
    } catch {
        "err:$($_.FullyQualifiedErrorId.Split(',')[0])"
    }
}
'@

    function Invoke-Race([string] $Repo, [string] $Source, [int] $Rounds, [switch] $Wait) {
        $barrier = (New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))).FullName
        $procs = foreach ($me in 'a', 'b') {
            $out = Join-Path $barrier "out-$me.txt"
            $args = @('-NoProfile', '-NonInteractive', '-File', $script:Child, '-Module', $script:Module, '-Home_', $script:ConfigHome,
                '-Source', $Source, '-Repo', $Repo, '-Barrier', $barrier, '-Me', $me, '-Peers', '2', '-Rounds', "$Rounds")
            if ($Wait) { $args += '-Wait' }
            [pscustomobject]@{ Out = $out; Process = Start-Process -FilePath (Get-TestPwsh) -ArgumentList $args -RedirectStandardOutput $out -PassThru }
        }
        foreach ($p in $procs) {
            if (-not $p.Process.WaitForExit(600000)) { Stop-Process -Id $p.Process.Id -Force; throw 'a child backup session hung' }
        }
        foreach ($p in $procs) { , @(Get-Content -LiteralPath $p.Out | Where-Object { $_ -match '^(ok|err):' }) }
    }

    function Assert-EveryCompleteSnapshotRestores([string] $Repo, [string] $Source) {
        $expected = (Get-FileHash -LiteralPath $Source).Hash
        $complete = @(Get-OffsiteBackup -Name race -Repository $Repo | Where-Object State -eq 'Complete')
        foreach ($s in $complete) {
            $out = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
            $r = $s | Restore-OffsiteBackup -Destination $out -ErrorAction Stop
            (Get-FileHash -LiteralPath $r.FullName).Hash | Should -Be $expected -Because "snapshot $($s.SnapshotId) is Complete"
            Remove-Item -LiteralPath $out -Recurse -Force
        }
        $complete.Count
    }
}

Describe 'Two backups of the same set started together (real processes)' {
    It 'never leaves a Complete snapshot that fails to restore: one run wins, the other fails with SetLocked (or, rarely, LockLost before its manifest) (20 rounds)' {
        $repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo-race')).FullName
        $source = New-Source 'race.bin' 512KB 11
        $a, $b = Invoke-Race -Repo $repo -Source $source -Rounds 20
        $a | Should -HaveCount 20
        $b | Should -HaveCount 20
        $outcomes = @($a) + @($b)
        # LockLost: a run found its lock gone before writing its manifest and wrote none (seen once in the merged suite;
        # under investigation). It is a safe, loud outcome; any other error is a failure.
        $outcomes | Where-Object { $_ -like 'err:*' } | ForEach-Object { $_ | Should -BeIn @('err:SetLocked', 'err:LockLost') }
        for ($i = 0; $i -lt 20; $i++) { "$($a[$i]) $($b[$i])" | Should -Match 'ok:' -Because "round $($i + 1) has a winner" }
        @($outcomes | Where-Object { $_ -eq 'err:SetLocked' }).Count | Should -BeGreaterThan 0 -Because 'runs started together must meet the lock'
        $ids = $outcomes | Where-Object { $_ -like 'ok:*' } | ForEach-Object { $_.Substring(3) }
        $ids | Select-Object -Unique | Should -HaveCount $ids.Count -Because 'two runs never finish the same snapshot'
        Assert-EveryCompleteSnapshotRestores -Repo $repo -Source $source | Should -Be $ids.Count
        Join-Path $repo 'race/.lock' | Should -Not -Exist
    }

    It 'with -Wait the second run waits and both succeed, each with its own snapshot (5 rounds)' {
        $repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo-wait')).FullName
        $source = New-Source 'wait.bin' 512KB 12
        $a, $b = Invoke-Race -Repo $repo -Source $source -Rounds 5 -Wait
        $outcomes = @($a) + @($b)
        $outcomes | Should -HaveCount 10
        $outcomes | ForEach-Object { $_ | Should -Match '^ok:' }
        Assert-EveryCompleteSnapshotRestores -Repo $repo -Source $source | Should -Be 10
    }
}

Describe 'Remove-OffsiteBackup and the set lock' {
    BeforeAll {
        $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo-remove')).FullName
        $script:Kept = foreach ($i in 1..3) {
            Start-OffsiteBackup -LiteralPath (New-Source "r$i.bin" 5000 $i) -Name keep -Repository $script:Repo -NoNotification
        }
        function Set-Lock([int] $ProcessId, [datetime] $Refreshed) {
            $lock = [ordered]@{ version = 1; runId = [guid]::NewGuid().ToString('N'); host = [Environment]::MachineName; processId = $ProcessId
                operation = 'backup'; startedUtc = $Refreshed.ToUniversalTime(); refreshedUtc = $Refreshed.ToUniversalTime() } | ConvertTo-Json
            Set-Content -LiteralPath (Join-Path $script:Repo 'keep/.lock') -Value $lock -NoNewline
        }
    }
    It 'refuses while a live backup holds the set (SetLocked naming the holder), and deletes nothing' {
        Set-Lock -ProcessId $PID -Refreshed (Get-Date)
        { Remove-OffsiteBackup -Name keep -Repository $script:Repo -KeepLast 1 -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'SetLocked,OnedriveOffsite.Commands.RemoveOffsiteBackupCommand' -ExpectedMessage "*process $PID on $([Environment]::MachineName)*"
        Get-OffsiteBackup -Name keep -Repository $script:Repo | Should -HaveCount 3
    }
    It 'breaks the lock of a backup whose process is gone, and applies the rule' {
        $gone = Start-Process -FilePath (Get-TestPwsh) -ArgumentList '-NoProfile', '-Command', 'exit' -PassThru
        $gone.WaitForExit()
        Set-Lock -ProcessId $gone.Id -Refreshed (Get-Date)
        $removed = Remove-OffsiteBackup -Name keep -Repository $script:Repo -KeepLast 2 -Force -PassThru -WarningVariable warnings -WarningAction SilentlyContinue
        $removed.SnapshotId | Should -Be $script:Kept[0].SnapshotId
        "$warnings" | Should -Match 'stale lock'
        Join-Path $script:Repo 'keep/.lock' | Should -Not -Exist
    }
}

Describe 'Retention like restic forget' {
    BeforeAll {
        $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo-forget')).FullName
        $script:Snaps = foreach ($i in 1..4) {
            Start-OffsiteBackup -LiteralPath (New-Source "f$i.bin" 3000 (20 + $i)) -Name forget -Repository $script:Repo -NoNotification
        }
    }
    It 'an unknown set is SetNotFound, not a silent success' {
        { Remove-OffsiteBackup -Name nosuchset -Repository $script:Repo -KeepLast 1 -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'SetNotFound,OnedriveOffsite.Commands.RemoveOffsiteBackupCommand'
        Join-Path $script:Repo 'nosuchset' | Should -Not -Exist
    }
    It '-KeepLast 0 is refused' {
        { Remove-OffsiteBackup -Name forget -Repository $script:Repo -KeepLast 0 -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRetentionRule,OnedriveOffsite.Commands.RemoveOffsiteBackupCommand'
        Get-OffsiteBackup -Name forget -Repository $script:Repo | Should -HaveCount 4
    }
    It '-WhatIf lists what would go and which rule keeps each survivor, and changes nothing' {
        # What-if lines go to the host: run it as a script would, and read what the host printed.
        $command = "Import-Module '$script:Module'; `$env:ONEDRIVE_OFFSITE_HOME = '$script:ConfigHome'; " +
            "Remove-OffsiteBackup -Name forget -Repository '$script:Repo' -KeepLast 2 -WhatIf"
        $lines = & (Get-TestPwsh) -NoProfile -NonInteractive -Command $command | Out-String
        $LASTEXITCODE | Should -Be 0
        $lines | Should -Match ([regex]::Escape("$($script:Snaps[0].SnapshotId)") + '.*no rule keeps it')
        $lines | Should -Match ([regex]::Escape("Keeping forget/$($script:Snaps[3].SnapshotId)") + '.*newest good snapshot, last 2')
        Get-OffsiteBackup -Name forget -Repository $script:Repo | Should -HaveCount 4
    }
    It '-OlderThan as a number of days or a TimeSpan never removes the newest good snapshot' {
        $removed = Remove-OffsiteBackup -Name forget -Repository $script:Repo -OlderThan 0 -Confirm:$false -PassThru
        $removed.SnapshotId | Should -Be $script:Snaps[0..2].SnapshotId
        (Get-OffsiteBackup -Name forget -Repository $script:Repo).SnapshotId | Should -Be $script:Snaps[3].SnapshotId
        Remove-OffsiteBackup -Name forget -Repository $script:Repo -OlderThan ([TimeSpan]::Zero) -KeepDaily 1 -Confirm:$false
        (Get-OffsiteBackup -Name forget -Repository $script:Repo).SnapshotId | Should -Be $script:Snaps[3].SnapshotId
    }
    It '-Confirm:$false and -Force work under -NonInteractive (no prompt)' {
        $extra = foreach ($i in 5..7) { Start-OffsiteBackup -LiteralPath (New-Source "f$i.bin" 3000 (20 + $i)) -Name forget -Repository $script:Repo -NoNotification }
        foreach ($switch in '-Confirm:$false', '-Force') {
            $command = "Import-Module '$script:Module'; `$env:ONEDRIVE_OFFSITE_HOME = '$script:ConfigHome'; " +
                "Remove-OffsiteBackup -Name forget -Repository '$script:Repo' -KeepLast ($(if ($switch -eq '-Force') { 1 } else { 2 })) $switch -ErrorAction Stop"
            & (Get-TestPwsh) -NoProfile -NonInteractive -Command $command
            $LASTEXITCODE | Should -Be 0 -Because "$switch needs no prompt"
        }
        (Get-OffsiteBackup -Name forget -Repository $script:Repo).SnapshotId | Should -Be $extra[2].SnapshotId
    }
}

Describe 'Leftovers are visible and removable' {
    It 'lists an interrupted backup as Resumable with its size, and removing it also deletes its resume journal' {
        $repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo-left')).FullName
        $source = New-Source 'left.bin' 4MB 31
        $command = "Import-Module '$script:Module'; `$env:ONEDRIVE_OFFSITE_HOME = '$script:ConfigHome'; " +
            "Start-OffsiteBackup -LiteralPath '$source' -Name left -Repository '$repo' -Format 1 -PartSize 64KB -ThrottleLimit 1 -NoNotification"
        $process = Start-Process -FilePath (Get-TestPwsh) -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $command -PassThru
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        do { Start-Sleep -Milliseconds 20; $stored = @(Get-ChildItem -LiteralPath $repo -Recurse -Filter 'part-*.oop' -File).Count }
        until ($stored -ge 4 -or $process.HasExited -or [DateTime]::UtcNow -gt $deadline)
        $process.HasExited | Should -BeFalse -Because 'the backup must still be running when it is killed'
        Stop-Process -Id $process.Id -Force
        $process.WaitForExit()

        $left = Get-OffsiteBackup -Name left -Repository $repo
        $left.State | Should -Be 'Resumable'
        $left.StoredSize | Should -BeGreaterThan 0
        $journals = @(Get-ChildItem -LiteralPath (Join-Path $script:ConfigHome 'journals') -Filter *.json | Where-Object { (Get-Content $_ -Raw) -match $left.SnapshotId })
        $journals | Should -HaveCount 1
        $left | Remove-OffsiteBackup -Confirm:$false -WarningAction SilentlyContinue
        Get-OffsiteBackup -Name left -Repository $repo | Should -BeNullOrEmpty
        $journals[0].FullName | Should -Not -Exist
    }
}

Describe 'Retention frees the space of a format 2 set' {
    It 'deletes the packs only removed snapshots used (saying how much it freed), and the snapshots kept restore' {
        $repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo-prune')).FullName
        $old = New-Source 'old.bin' 3MB 31
        $new = New-Source 'new.bin' 3MB 32
        Start-OffsiteBackup -LiteralPath $old -Name dedup -Repository $repo -Format 2 -NoNotification | Out-Null
        $packsOfOld = @(Get-ChildItem -LiteralPath (Join-Path $repo 'dedup/packs') -File)
        $kept = Start-OffsiteBackup -LiteralPath $new -Name dedup -Repository $repo -Format 2 -NoNotification
        $before = @(Get-ChildItem -LiteralPath (Join-Path $repo 'dedup/packs') -File)
        $freedExpected = ($packsOfOld | Measure-Object Length -Sum).Sum

        $messages = Remove-OffsiteBackup -Name dedup -Repository $repo -KeepLast 1 -Force -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message

        $after = @(Get-ChildItem -LiteralPath (Join-Path $repo 'dedup/packs') -File)
        $after.Count | Should -Be ($before.Count - $packsOfOld.Count)
        $after.Name | Should -Not -BeIn $packsOfOld.Name
        @($messages -match "^Set 'dedup': deleted $($packsOfOld.Count) pack\(s\) no remaining snapshot needs") | Should -HaveCount 1 -Because ($messages -join "`n")
        $freedExpected | Should -BeGreaterThan 3MB
        $out = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'out-prune')).FullName
        $restored = $kept | Restore-OffsiteBackup -Destination $out -NoNotification
        (Get-FileHash -LiteralPath $restored.FullName).Hash | Should -Be (Get-FileHash -LiteralPath $new).Hash
    }
}
