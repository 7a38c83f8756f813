#Requires -Version 7.4
# What the progress bars say during a real backup and restore through the Graph emulator with injected throttling:
# the records are collected from a PowerShell instance's Streams.Progress, as a host would receive them.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:Emulator = Start-TestEmulator
    $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'home'
    Set-OffsiteApp -ClientId ([guid]::NewGuid()) -GraphEndpoint $script:Emulator.Uri -WarningAction SilentlyContinue
    Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString $script:Emulator.Token -AsPlainText -Force) -WarningAction SilentlyContinue | Out-Null
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Faults = "$($script:Emulator.Uri)/_emulator/faults"

    # A vzdump-like name longer than an activity line shows whole.
    $script:Source = Join-Path $TestDrive 'vzdump-qemu-10145-with-a-long-hostname-2026_12_01-02_00_00.vma.zst'
    $buffer = [byte[]]::new(6MB); [Random]::new(7).NextBytes($buffer); [IO.File]::WriteAllBytes($script:Source, $buffer)

    # Runs one cmdlet with -Verbose in its own PowerShell instance; returns its output, progress and verbose records.
    function Invoke-Recorded([string] $Command, [hashtable] $Parameters, [scriptblock] $Started) {
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument($script:Module).AddStatement()
            $null = $ps.AddCommand($Command).AddParameters($Parameters).AddParameter('Verbose')
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $async = $ps.BeginInvoke()
            if ($Started) { & $Started }
            $output = $ps.EndInvoke($async)
            $watch.Stop()
            if ($ps.Streams.Error.Count) { throw $ps.Streams.Error[0] }
            [pscustomobject]@{ Output = $output; Progress = @($ps.Streams.Progress); Verbose = @($ps.Streams.Verbose.Message); Seconds = $watch.Elapsed.TotalSeconds }
        }
        finally { $ps.Dispose() }
    }
    function Set-Faults([hashtable] $Body) {
        $null = Invoke-RestMethod -Method Post $script:Faults -ContentType 'application/json' -Body ($Body | ConvertTo-Json)
    }
}

AfterAll { Stop-TestEmulator $script:Emulator }

Describe 'Progress of a throttled backup and restore through OneDrive (emulator)' {
    BeforeAll {
        # Throttled (429 with Retry-After 2 s) once on the way up, plus a 500 that is retried after a backoff pause, both
        # on upload-session requests: the parts' fragments (the set's lock is a simple upload).
        Set-Faults @{ retryAfterSeconds = 2; enqueue = @('Throttle429@session', 'ServerError500@session') }
        try {
            $script:Backup = Invoke-Recorded Start-OffsiteBackup @{
                LiteralPath = $script:Source; Name = 'pve-10145'; Repository = 'onedrive:/progress'
                Format = 1; PartSize = 2MB; FragmentSize = 640KB; ThrottleLimit = 3; NoNotification = $true
            }
            (Invoke-RestMethod $script:Faults).pending | Should -BeNullOrEmpty -Because 'both upload faults must have been delivered'
            # Throttled before any part (the manifest's download: its own "Waiting for OneDrive" activity), then again
            # once the parts are under way: the restore is paced to 1 MB/s one part at a time, and the second throttle is
            # queued when its temporary file appears, about 2 s before the next part's first request.
            Set-Faults @{ retryAfterSeconds = 2; enqueue = @('Throttle429@download') }
            $out = (New-Item -ItemType Directory (Join-Path $TestDrive 'out')).FullName
            $script:Restore = Invoke-Recorded Restore-OffsiteBackup @{
                Name = 'pve-10145'; Repository = 'onedrive:/progress'; Destination = $out
                ThrottleLimit = 1; MaxDownloadRate = '1MB'; NoNotification = $true
            } -Started {
                $deadline = [DateTime]::UtcNow.AddSeconds(60)
                while (-not (Get-ChildItem -LiteralPath $out -Force -Filter '*.oo-partial-*') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
                Set-Faults @{ retryAfterSeconds = 2; enqueue = @('Throttle429@download') }
            }
            (Invoke-RestMethod $script:Faults).pending | Should -BeNullOrEmpty -Because 'the download fault must have been delivered'
        }
        finally { Set-Faults @{ clear = $true } }
        $script:Backup.Output[0].State | Should -Be 'Complete'
        (Get-FileHash (Join-Path $out (Split-Path $script:Source -Leaf))).Hash | Should -Be (Get-FileHash $script:Source).Hash
    }

    It 'shows the throttled wait with its seconds on the top bar and on a part, and the retry on a part, during the backup' {
        $top = $script:Backup.Progress | Where-Object ActivityId -eq 0
        $parts = $script:Backup.Progress | Where-Object ParentActivityId -eq 0
        @($top | Where-Object StatusDescription -match '^waiting for OneDrive \(throttled, \d+ s\)') | Should -Not -BeNullOrEmpty -Because ($top.StatusDescription -join "`n")
        @($parts | Where-Object StatusDescription -match '^waiting for OneDrive \(throttled, \d+ s\)') | Should -Not -BeNullOrEmpty
        @($parts | Where-Object StatusDescription -match 'retrying \(attempt 2 of \d+\)') | Should -Not -BeNullOrEmpty -Because ($parts.StatusDescription -join "`n")
        @($parts | Where-Object StatusDescription -match '^(reading, (compressing, )?encrypting|uploading|storing)') | Should -Not -BeNullOrEmpty -Because 'a part says what it does'
    }

    It 'says a restore''s parts are downloading (not reading) from OneDrive' {
        $parts = @($script:Restore.Progress | Where-Object ParentActivityId -eq 0)
        @($parts | Where-Object StatusDescription -match '^downloading, decrypting, writing') | Should -Not -BeNullOrEmpty -Because ($parts.StatusDescription -join "`n")
        @($parts | Where-Object StatusDescription -match '^reading') | Should -BeNullOrEmpty
    }

    It 'never leaves the top bar silent during a throttled restore: it says it waits, and for how long' {
        $top = $script:Restore.Progress | Where-Object ActivityId -eq 0
        @($top | Where-Object StatusDescription -match '^waiting for OneDrive \(throttled, \d+ s\)') | Should -Not -BeNullOrEmpty -Because ($top.StatusDescription -join "`n")
        ($top | Select-Object -Last 1).RecordType | Should -Be 'Completed'
        @($script:Restore.Progress | Where-Object { $_.ParentActivityId -eq 0 -and $_.StatusDescription -match '^waiting for OneDrive \(throttled, \d+ s\)' }) |
            Should -Not -BeNullOrEmpty -Because 'the part whose download was throttled says so too'
        $outside = @($script:Restore.Progress | Where-Object Activity -eq 'Waiting for OneDrive')
        @($outside | Where-Object StatusDescription -match '^waiting for OneDrive \(throttled, \d+ s\)$') | Should -Not -BeNullOrEmpty -Because 'the manifest''s wait comes before any bar of the restore'
        ($outside | Select-Object -Last 1).RecordType | Should -Be 'Completed'
    }

    It 'numbers parts in progress the way -Verbose and the stored file names do' {
        $fromProgress = @($script:Backup.Progress | Where-Object ParentActivityId -eq 0 | ForEach-Object Activity | Sort-Object -Unique)
        $fromVerbose = @($script:Backup.Verbose | Select-String -Pattern '^Stored (part-\d{5}\.oop):' | ForEach-Object { $_.Matches[0].Groups[1].Value } | Sort-Object -Unique)
        $fromProgress | Should -Be @('part-00000.oop', 'part-00001.oop', 'part-00002.oop')
        $fromVerbose | Should -Be $fromProgress
        # The part whose request was throttled is named the same in -Verbose (its upload, or the Graph call that creates
        # its upload session) and on its bar. Other parts may wait too: the wait is shared by every request to OneDrive.
        $waitingParts = @($script:Backup.Progress | Where-Object { $_.ParentActivityId -eq 0 -and $_.StatusDescription -match '^waiting for OneDrive' } | ForEach-Object Activity | Sort-Object -Unique)
        $throttledParts = @($script:Backup.Verbose | Select-String -Pattern '^429 from OneDrive while .*\b(part-\d{5}\.oop)\b.*, waiting' | ForEach-Object { $_.Matches[0].Groups[1].Value } | Sort-Object -Unique)
        $throttledParts | Should -Not -BeNullOrEmpty -Because ($script:Backup.Verbose -join "`n")
        foreach ($name in $throttledParts) { $waitingParts | Should -Contain $name -Because "$name was throttled" }
        $restoreParts = @($script:Restore.Progress | Where-Object ParentActivityId -eq 0 | ForEach-Object Activity | Sort-Object -Unique)
        $restoreParts | Should -Be $fromProgress
    }

    It 'keeps the file''s and set''s names readable on the activity line, date included' {
        # No window here: the engine's default room (60, half of PowerShell's 120-column progress width); narrower
        # windows are covered by ActivityTextTests (40 characters at 80 columns).
        ($script:Backup.Progress | Where-Object ActivityId -eq 0 | Select-Object -First 1).Activity |
            Should -BeExactly 'Backing up vzdump-q…2026_12_01-02_00_00.vma.zst to pve-10145'
        ($script:Restore.Progress | Where-Object ActivityId -eq 0 | Select-Object -First 1).Activity |
            Should -BeExactly 'Restoring vzdump-…2026_12_01-02_00_00.vma.zst from pve-10145'
    }

    It 'writes at most about ten records a second, and shows no ETA before the warm-up' {
        foreach ($run in $script:Backup, $script:Restore) {
            $processing = @($run.Progress | Where-Object RecordType -eq 'Processing')
            $processing.Count | Should -BeLessOrEqual ([Math]::Ceiling($run.Seconds * 10) + 5) -Because "$($processing.Count) records in $($run.Seconds) s"
        }
        # Every run here is shorter than or about as long as the warm-up: an ETA, if any, comes only after records without one.
        $first = $script:Backup.Progress | Where-Object { $_.ActivityId -eq 0 -and $_.RecordType -eq 'Processing' } | Select-Object -First 1
        $first.SecondsRemaining | Should -Be -1
    }
}
