#Requires -Version 7.4
# The OneDrive repository end to end through the cmdlets, against the strict Graph emulator in its own process.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:Emulator = Start-TestEmulator
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $env:ONEDRIVE_OFFSITE_HOME = $script:ConfigHome
    Set-OffsiteApp -ClientId ([guid]::NewGuid()) -GraphEndpoint $script:Emulator.Uri -WarningAction SilentlyContinue
    Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString $script:Emulator.Token -AsPlainText -Force) -WarningAction SilentlyContinue | Out-Null
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Src = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'src')).FullName

    function New-RandomFile([string] $Name, [int] $MiB, [int] $Seed = 1) {
        $path = Join-Path $script:Src $Name
        $buffer = [byte[]]::new(1MB); $rng = [Random]::new($Seed)
        $fs = [IO.File]::Create($path)
        try { for ($i = 0; $i -lt $MiB; $i++) { $rng.NextBytes($buffer); $fs.Write($buffer, 0, $buffer.Length) } } finally { $fs.Dispose() }
        Get-Item $path
    }
    function New-OutDir { (New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))).FullName }
}

AfterAll { Stop-TestEmulator $script:Emulator }

Describe 'Backup and restore through OneDrive (emulator)' {
    It 'round-trips a multi-part file bit-exactly, with no Authorization on pre-authenticated URLs' {
        $f = New-RandomFile 'vm-101.vma.zst' 12
        $s = $f | Start-OffsiteBackup -Name pve-101 -Repository onedrive:/pester -Format 1 -PartSize 4MB -NoNotification
        $s.State | Should -Be 'Complete'
        $s.Parts | Should -Be 3
        $s.Repository | Should -Be 'onedrive:/pester'
        $listed = Get-OffsiteBackup -Name pve-101 -Repository onedrive:/pester
        $listed.SnapshotId | Should -Be $s.SnapshotId
        $restored = $listed | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        (Get-FileHash $restored.FullName).Hash | Should -Be (Get-FileHash $f.FullName).Hash
        ($listed | Test-OffsiteBackup).Passed | Should -BeTrue
        $stats = Get-TestEmulatorStats $script:Emulator
        $stats.authorizationHeaderViolations | Should -Be 0
        $stats.internalErrors | Should -Be 0
        ($stats.userAgents -join ' ') | Should -Match 'OnedriveOffsite/'
    }

    It 'survives injected faults of every kind, each on upload and on download, and restores bit-exactly' {
        $f = New-RandomFile 'faults.bin' 10 -Seed 2
        $faults = "$($script:Emulator.Uri)/_emulator/faults"
        $anyRequest = 'Throttle429', 'Unavailable503', 'ServerError500', 'ConnectionReset'
        $uploadOnly = 'LostAcknowledgement', 'PartialFragmentStored', 'SessionExpired', 'CorruptOnUpload'
        $downloadOnly = 'DownloadUrlExpired', 'TruncatedDownload', 'IgnoreRange'
        # The emulator's every kind is covered here: a new kind must be placed in one of the lists above.
        $known = (Invoke-RestMethod -Method Post $faults -ContentType 'application/json' -Body '{"kinds": "all"}').kinds
        $known | Should -Not -BeNullOrEmpty
        $null = Invoke-RestMethod -Method Post $faults -ContentType 'application/json' -Body '{"clear": true}'
        @($known | Where-Object { $_ -notin $anyRequest + $uploadOnly + $downloadOnly }) | Should -BeNullOrEmpty

        # Scripted, not random: each kind is queued once for the next request of its side that it applies to.
        $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/reset-stats"
        $upload = @($uploadOnly) + @($anyRequest | ForEach-Object { "$_@upload" })
        $null = Invoke-RestMethod -Method Post $faults -ContentType 'application/json' -Body (@{ retryAfterSeconds = 1; enqueue = $upload } | ConvertTo-Json)
        try {
            $s = Start-OffsiteBackup -LiteralPath $f.FullName -Name faults -Repository onedrive:/pester -Format 1 -PartSize 2MB -FragmentSize 640KB -NoNotification
            (Invoke-RestMethod $faults).pending | Should -BeNullOrEmpty -Because 'every upload fault must have been delivered'
            $uploadStats = Get-TestEmulatorStats $script:Emulator

            $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/reset-stats"
            $download = @($downloadOnly) + @($anyRequest | ForEach-Object { "$_@download" })
            $null = Invoke-RestMethod -Method Post $faults -ContentType 'application/json' -Body (@{ enqueue = $download } | ConvertTo-Json)
            $restored = $s | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
            (Invoke-RestMethod $faults).pending | Should -BeNullOrEmpty -Because 'every download fault must have been delivered'
            $downloadStats = Get-TestEmulatorStats $script:Emulator
        } finally {
            $null = Invoke-RestMethod -Method Post $faults -ContentType 'application/json' -Body '{"clear": true}'
        }
        $s.State | Should -Be 'Complete'
        foreach ($kind in $uploadOnly + $anyRequest) {
            $uploadStats.faultsInjectedByTarget."$kind@upload" | Should -BeGreaterOrEqual 1 -Because "$kind must have hit an upload"
        }
        foreach ($kind in $downloadOnly + $anyRequest) {
            $downloadStats.faultsInjectedByTarget."$kind@download" | Should -BeGreaterOrEqual 1 -Because "$kind must have hit a download"
        }
        (Get-FileHash $restored.FullName -Algorithm SHA256).Hash | Should -Be (Get-FileHash $f.FullName -Algorithm SHA256).Hash
        $uploadStats.authorizationHeaderViolations + $downloadStats.authorizationHeaderViolations | Should -Be 0
        $uploadStats.internalErrors + $downloadStats.internalErrors | Should -Be 0
    }

    It 'continues after kill -9 mid-upload without uploading finished parts again' {
        $f = New-RandomFile 'crash.bin' 24 -Seed 4
        $command = "Import-Module '$script:Module'; `$env:ONEDRIVE_OFFSITE_HOME = '$script:ConfigHome'; " +
            "Start-OffsiteBackup -LiteralPath '$($f.FullName)' -Name crash -Repository onedrive:/pester -Format 1 -PartSize 1MB -ThrottleLimit 1 -NoNotification"
        # The engine's test hook holds the run once 6 parts are stored and recorded: the kill comes at that known point.
        $process = Start-HeldBackup -Command $command -HoldAfterParts 6
        Stop-Process -Id $process.Id -Force   # SIGKILL on Linux: no cleanup code runs
        $process.WaitForExit()
        (Get-OffsiteBackup -Name crash -Repository onedrive:/pester).State | Should -Be 'Resumable'
        $partsBefore = @((Get-TestEmulatorStats $script:Emulator).storedFiles | Where-Object path -Match '/crash/[^/]+/part-[0-9]+\.oop$').Count
        $partsBefore | Should -Be 6

        $output = Start-OffsiteBackup -LiteralPath $f.FullName -Name crash -Repository onedrive:/pester -Format 1 -PartSize 1MB -NoNotification -Verbose 4>&1
        $snapshot = $output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        $messages = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        ($messages -match '^Resuming snapshot') | Should -Not -BeNullOrEmpty
        # -ThrottleLimit 1 and held after part 6 was recorded: exactly the parts not stored before the kill go up again.
        @($messages -match '^Stored part-').Count | Should -Be (24 - $partsBefore)
        Get-OffsiteBackup -Name crash -Repository onedrive:/pester | Should -HaveCount 1
        $restored = $snapshot | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        (Get-FileHash $restored.FullName).Hash | Should -Be (Get-FileHash $f.FullName).Hash
    }

    It 'on Ctrl+C (SIGINT to pwsh) says in one line what was kept, and the rerun sends only the parts not stored' {
        $f = New-RandomFile 'ctrlc.bin' 12 -Seed 5
        $signal = Join-Path ([IO.Path]::GetTempPath()) "offsite-hold-$([guid]::NewGuid().ToString('n'))"
        # Through env --default-signal=INT: a terminal's pwsh takes Ctrl+C, but a suite started in the background (nohup,
        # a CI runner, `cmd &`) passes SIGINT down as ignored, and .NET keeps it ignored.
        $psi = [Diagnostics.ProcessStartInfo]::new('/usr/bin/env')
        $command = "Import-Module '$script:Module'; Start-OffsiteBackup -LiteralPath '$($f.FullName)' -Name ctrlc -Repository onedrive:/pester -Format 1 -PartSize 1MB -ThrottleLimit 1 -NoNotification"
        foreach ($a in '--default-signal=INT', (Get-TestPwsh), '-NoProfile', '-NonInteractive', '-Command', $command) { $psi.ArgumentList.Add($a) }
        $psi.Environment['ONEDRIVE_OFFSITE_TEST_HOLD_AFTER_PARTS'] = "5|$signal"   # holds the run once 5 parts are stored and recorded
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
        $process = [Diagnostics.Process]::Start($psi)
        $stderr = $process.StandardError.ReadToEndAsync(); $stdout = $process.StandardOutput.ReadToEndAsync()
        $deadline = [DateTime]::UtcNow.AddMinutes(5)
        while (-not (Test-Path -LiteralPath $signal) -and -not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        if (-not (Test-Path -LiteralPath $signal)) {
            if (-not $process.HasExited) { $process.Kill() }   # its output can be read only once it has ended
            $process.WaitForExit(10000) | Out-Null
            throw "The backup was not running when Ctrl+C was to come: $($stderr.Result)"
        }
        Remove-Item -LiteralPath $signal
        & /bin/kill -s INT $process.Id   # the program, not pwsh's kill alias (Stop-Process)
        $process.WaitForExit(60000) | Should -BeTrue -Because 'Ctrl+C must stop the run'
        $said = @(($stdout.Result + "`n" + $stderr.Result) -split '\r?\n' | Where-Object { $_ -match 'Stopped: ' })
        $said | Should -HaveCount 1 -Because "the run said (exit code $($process.ExitCode)): $($stdout.Result) $($stderr.Result)"
        $said[0] | Should -Match 'Stopped: 5 of 12 part\(s\) \(5\.0 MiB of 12\.0 MiB\) are stored in ctrlc/\S+ and kept; run the same command again to continue from there\.'
        (Get-OffsiteBackup -Name ctrlc -Repository onedrive:/pester).State | Should -Be 'Resumable'

        $output = Start-OffsiteBackup -LiteralPath $f.FullName -Name ctrlc -Repository onedrive:/pester -Format 1 -PartSize 1MB -NoNotification -Verbose 4>&1
        $snapshot = $output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        $messages = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        @($messages -match '^Stored part-').Count | Should -Be 7
        $restored = $snapshot | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        (Get-FileHash $restored.FullName).Hash | Should -Be (Get-FileHash $f.FullName).Hash
    }

    It 'uploads in fragments of the size asked for, and refuses sizes OneDrive would refuse' {
        $f = New-RandomFile 'fragments.bin' 2 -Seed 7
        $before = (Get-TestEmulatorStats $script:Emulator).requestsByRoute.'PUT uploadFragment'
        $s = Start-OffsiteBackup -LiteralPath $f.FullName -Name fragments -Repository onedrive:/pester -Format 1 -FragmentSize 640KB -NoNotification
        $s.State | Should -Be 'Complete'
        $stats = Get-TestEmulatorStats $script:Emulator
        # Every stored file (the part and the manifest) went up in 640 KiB fragments, the last one shorter.
        $files = @($stats.storedFiles | Where-Object path -Like "*/fragments/$($s.SnapshotId)/*")
        $files | Should -HaveCount 2
        $expected = ($files | ForEach-Object { [math]::Ceiling($_.size / 640KB) } | Measure-Object -Sum).Sum
        $expected | Should -BeGreaterOrEqual 4
        ($stats.requestsByRoute.'PUT uploadFragment' - $before) | Should -Be $expected
        { Start-OffsiteBackup -LiteralPath $f.FullName -Name fragments -Repository onedrive:/pester -FragmentSize 1MB -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidFragmentSize,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
    }

    It 'removes the source with -RemoveSource only after the upload was verified' {
        $f = New-RandomFile 'remove.bin' 3 -Seed 6
        $hash = (Get-FileHash $f.FullName -Algorithm SHA256).Hash
        $output = Start-OffsiteBackup -LiteralPath $f.FullName -Name remove -Repository onedrive:/pester -Format 1 -PartSize 1MB -RemoveSource -NoNotification -Verbose 4>&1
        $s = $output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        $messages = @(($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message)
        $s.State | Should -Be 'Complete'
        $f.FullName | Should -Not -Exist
        # In this order: the snapshot verified (all 3 parts), then the source removed.
        $verified = [array]::FindIndex([string[]] $messages, [Predicate[string]] { param($m) $m -match '^Snapshot remove/\S+ verified \(\w+\): 3 part\(s\) intact' })
        $removed = [array]::FindIndex([string[]] $messages, [Predicate[string]] { param($m) $m -match '^Removed ' })
        $verified | Should -BeGreaterOrEqual 0 -Because 'the verification must have passed'
        $removed | Should -BeGreaterThan $verified -Because 'the source is removed only after the verification passed'
        $restored = $s | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        (Get-FileHash $restored.FullName -Algorithm SHA256).Hash | Should -Be $hash
    }

    It 'keeps the source with -RemoveSource when the upload fails' {
        $f = New-RandomFile 'upload-fails.bin' 1 -Seed 9
        $faults = "$($script:Emulator.Uri)/_emulator/faults"
        # Every attempt at the one part is damaged on the way in (8 attempts per part), so the part cannot be stored.
        $null = Invoke-RestMethod -Method Post $faults -ContentType 'application/json' -Body (@{ enqueue = @('CorruptOnUpload@session') * 8 } | ConvertTo-Json)
        try {
            $output = Start-OffsiteBackup -LiteralPath $f.FullName -Name upload-fails -Repository onedrive:/pester -Format 1 -PartSize 1MB -ThrottleLimit 1 -RemoveSource -NoNotification -Verbose -ErrorVariable failure -ErrorAction SilentlyContinue 4>&1
            (Invoke-RestMethod $faults).pending | Should -BeNullOrEmpty
        } finally {
            $null = Invoke-RestMethod -Method Post $faults -ContentType 'application/json' -Body '{"clear": true}'
        }
        $failure | Should -HaveCount 1
        ($output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }) | Should -BeNullOrEmpty
        (($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -match '^(Verifying|Removed) ') | Should -BeNullOrEmpty
        $f.FullName | Should -Exist
    }

    It 'keeps the source with -RemoveSource when a stored part is damaged after its upload was acknowledged' {
        $f = New-RandomFile 'damaged.bin' 3 -Seed 8
        $hash = (Get-FileHash $f.FullName -Algorithm SHA256).Hash
        # The next part stored is acknowledged with the right hash, then changes in the drive.
        $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/damage-next-stored-file?name=part-"
        $output = Start-OffsiteBackup -LiteralPath $f.FullName -Name damaged -Repository onedrive:/pester -Format 1 -PartSize 1MB -RemoveSource -NoNotification -Verbose -ErrorVariable failure -ErrorAction SilentlyContinue 4>&1
        $messages = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'VerificationFailed,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        $failure[0].Exception.Message | Should -Match 'NOT removed'
        ($messages -join "`n") | Should -Match 'failed verification'
        ($messages -match '^Removed ') | Should -BeNullOrEmpty
        $f.FullName | Should -Exist
        (Get-FileHash $f.FullName -Algorithm SHA256).Hash | Should -Be $hash
    }

    It 'keeps a format 2 set in OneDrive: the second backup adds little, Test -Full proves it, retention frees packs, the rest restores' {
        $f = New-RandomFile 'vm-202.raw' 6 -Seed 7
        $first = $f | Start-OffsiteBackup -Name pve-202 -Repository onedrive:/pester -Format 2 -NoNotification
        $first.Format | Should -Be 2
        $first.AddedSize | Should -BeGreaterThan 5MB
        # One MiB in the middle changes; the rest is the same.
        $fs = [IO.File]::OpenWrite($f.FullName)
        try { $fs.Position = 3MB; $bytes = [byte[]]::new(1MB); [Random]::new(99).NextBytes($bytes); $fs.Write($bytes, 0, $bytes.Length) } finally { $fs.Dispose() }
        $second = Start-OffsiteBackup -LiteralPath $f.FullName -Name pve-202 -Repository onedrive:/pester -Format 2 -NoNotification
        $second.AddedSize | Should -BeLessThan 1.5MB -Because 'only the changed MiB (and the chunks cut around it) is new'
        $listed = @(Get-OffsiteBackup -Name pve-202 -Repository onedrive:/pester)
        $listed | Should -HaveCount 2
        ($listed | ForEach-Object Format) | Should -Be @(2, 2)
        ($listed[-1] | Test-OffsiteBackup -Full).Passed | Should -BeTrue

        # The first snapshot goes; its one pack is still partly needed by the second, so it is kept whole.
        $verbose = Remove-OffsiteBackup -Name pve-202 -Repository onedrive:/pester -KeepLast 1 -Confirm:$false -Verbose 4>&1 | Out-String
        $verbose | Should -Match 'deleted 0 pack\(s\).*1 of them partly unused'
        $left = @(Get-OffsiteBackup -Name pve-202 -Repository onedrive:/pester)
        $left.SnapshotId | Should -Be $second.SnapshotId
        $restored = $left | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        $restored.Sha256 | Should -Be (Get-FileHash $f.FullName).Hash
        ($left | Test-OffsiteBackup -Full).Passed | Should -BeTrue

        # Another file takes the set over: once the second snapshot goes too, both packs it used (6 MiB + the changed
        # MiB) are freed.
        $g = New-RandomFile 'vm-202-new.raw' 2 -Seed 8
        $third = Start-OffsiteBackup -LiteralPath $g.FullName -Name pve-202 -Repository onedrive:/pester -Format 2 -NoNotification
        $verbose = Remove-OffsiteBackup -Name pve-202 -Repository onedrive:/pester -KeepLast 1 -Confirm:$false -Verbose 4>&1 | Out-String
        $verbose | Should -Match 'deleted 2 pack\(s\) no remaining snapshot needs \(7\.\d MiB freed\)'
        $restored = Get-OffsiteBackup -Name pve-202 -Repository onedrive:/pester | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        $restored.Sha256 | Should -Be (Get-FileHash $g.FullName).Hash
        (Get-OffsiteBackup -Name pve-202 -Repository onedrive:/pester).SnapshotId | Should -Be $third.SnapshotId
        $stats = Get-TestEmulatorStats $script:Emulator
        $stats.authorizationHeaderViolations | Should -Be 0
        $stats.internalErrors | Should -Be 0
    }

    It 'removes the source of a format 2 backup only after reading back every chunk, and keeps it when a new pack is damaged after its upload' {
        $f = New-RandomFile 'v2-remove.bin' 3 -Seed 21
        $hash = (Get-FileHash $f.FullName).Hash
        $output = Start-OffsiteBackup -LiteralPath $f.FullName -Name remove2 -Repository onedrive:/pester -Format 2 -RemoveSource -NoNotification -Verbose 4>&1
        $messages = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n"
        $messages | Should -Match 'Verifying remove2/\S+ \(Full, format 2\)'
        $messages | Should -Match 'Removed .*complete and verified'
        $f.FullName | Should -Not -Exist
        $restored = Get-OffsiteBackup -Name remove2 -Repository onedrive:/pester | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        $restored.Sha256 | Should -Be $hash

        $g = New-RandomFile 'v2-damaged.bin' 3 -Seed 22
        $hash = (Get-FileHash $g.FullName).Hash
        $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/damage-next-stored-file?name=*.oopk"
        $null = Start-OffsiteBackup -LiteralPath $g.FullName -Name remove2 -Repository onedrive:/pester -Format 2 -RemoveSource -NoNotification -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'VerificationFailed,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        $failure[0].Exception.Message | Should -Match 'NOT removed'
        $g.FullName | Should -Exist
        (Get-FileHash $g.FullName).Hash | Should -Be $hash
    }
}

Describe 'Legacy backups in OneDrive (emulator)' {
    It 'lists and restores the old service''s sample from the app folder' {
        $fixture = Join-Path $PSScriptRoot '../data/legacy'
        $headers = @{ Authorization = "Bearer $($script:Emulator.Token)" }
        foreach ($file in Get-ChildItem (Join-Path $fixture 'sample_multi')) {
            $uri = "$($script:Emulator.Uri)/v1.0/me/drive/special/approot:/legacy/sample_multi/$($file.Name):/content"
            if ($file.Name -eq (Get-ChildItem (Join-Path $fixture 'sample_multi') | Select-Object -First 1).Name) {
                $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/v1.0/me/drive/special/approot/children" -Headers $headers -ContentType 'application/json' -Body '{"name":"legacy","folder":{}}' -ErrorAction SilentlyContinue
                $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/v1.0/me/drive/special/approot:/legacy:/children" -Headers $headers -ContentType 'application/json' -Body '{"name":"sample_multi","folder":{}}'
            }
            $null = Invoke-RestMethod -Method Put $uri -Headers $headers -InFile $file.FullName -ContentType 'application/octet-stream'
        }
        (Get-OffsiteBackup -Legacy -Repository onedrive:/legacy).Name | Should -Be 'sample_multi'
        $dest = Join-Path (New-OutDir) 'restored.bin'
        $null = Restore-OffsiteBackup -Legacy -Name sample_multi -Repository onedrive:/legacy -LegacyKeyPath (Join-Path $fixture 'onedrive-offsite.key') `
            -Sha256File (Join-Path $fixture 'sha256hash_sample_multi') -Destination $dest -NoNotification
        (Get-FileHash $dest).Hash | Should -Be (Get-FileHash (Join-Path $fixture 'sample_multi.original.bin')).Hash
    }
}
