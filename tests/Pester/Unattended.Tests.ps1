#Requires -Version 7.4
# The shipped scripts and schedules (module/Integrations) run the way their hosts run them: a child
# `pwsh -NonInteractive -File`, cron's /bin/sh line, systemd's ExecStart, vzdump's hook call. Every failure must
# end with a non-zero exit code and an `Error - <set>` mail (SMTP sink on loopback).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    . (Join-Path $PSScriptRoot 'SmtpSink.ps1')
    $script:Manifest = Get-TestModuleManifest
    Import-Module $script:Manifest -Force
    $script:Integrations = Join-Path (Split-Path $script:Manifest) 'Integrations'
    $script:Pwsh = Get-TestPwsh
    $script:Sink = Start-SmtpSink -Directory (Join-Path $TestDrive 'mail')
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $env:ONEDRIVE_OFFSITE_HOME = $script:ConfigHome
    # The shipped scripts import $env:ONEDRIVE_OFFSITE_MODULE when set: the built module, whatever else a machine's
    # module paths hold (on the CI machine a child pwsh did not find it through an inherited PSModulePath).
    $script:OldModule = $env:ONEDRIVE_OFFSITE_MODULE
    $env:ONEDRIVE_OFFSITE_MODULE = $script:Manifest
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    Set-OffsiteNotification -Provider Smtp -To admin@example.com -From backup@example.com -SmtpServer 127.0.0.1 -Port $script:Sink.Port -Security None
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $script:Dumps = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'dump')).FullName

    function New-Dump([string] $Name, [int] $KiB = 300, [int] $Seed = 1) {
        $bytes = [byte[]]::new($KiB * 1KB); [Random]::new($Seed).NextBytes($bytes)
        $path = Join-Path $script:Dumps $Name
        [IO.File]::WriteAllBytes($path, $bytes)
        Get-Item $path
    }
    # Runs a child process; returns its exit code and output. Mail counts are taken before and after by the caller.
    function Invoke-Child([string] $FilePath, [string[]] $Arguments, [hashtable] $Environment = @{}) {
        $psi = [Diagnostics.ProcessStartInfo]::new($FilePath)
        foreach ($a in $Arguments) { $psi.ArgumentList.Add($a) }
        foreach ($e in $Environment.GetEnumerator()) { $psi.Environment[$e.Key] = $e.Value }
        $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
        $p = [Diagnostics.Process]::Start($psi)
        $err = $p.StandardError.ReadToEndAsync()
        $out = $p.StandardOutput.ReadToEnd()
        $p.WaitForExit()
        [pscustomobject]@{ ExitCode = $p.ExitCode; Output = $out + $err.Result }
    }
    function Get-NewMail([int] $Skip) { @(Get-SmtpSinkMail $script:Sink | Select-Object -Skip $Skip) }
    function Get-MailCount { @(Get-SmtpSinkMail $script:Sink).Count }
}

AfterAll {
    & $script:Sink.Stop
    $env:ONEDRIVE_OFFSITE_MODULE = $script:OldModule
}

Describe 'offsite-nightly.ps1 under pwsh -NonInteractive -File' {
    It 'exits 0 after a verified backup and mails the success' {
        $null = New-Dump 'vzdump-qemu-101-2026_12_01-02_00_00.vma.zst' -Seed 1
        $before = Get-MailCount
        $run = Invoke-Child $script:Pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $script:Integrations 'offsite-nightly.ps1'),
            '-Path', (Join-Path $script:Dumps 'vzdump-qemu-101-*.vma.zst'), '-Name', 'pve-101', '-Repository', $script:Repo)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        @(Get-OffsiteBackup -Name pve-101 -Repository $script:Repo | Where-Object State -eq 'Complete').Count | Should -Be 1
        (Get-NewMail $before).Subject | Should -Be @('Successful Offsite Backup - pve-101')
    }
    It 'passes -Format on: -Format 1 makes a format 1 snapshot, where the default is format 2' {
        $null = New-Dump 'vzdump-qemu-103-2026_12_01-02_00_00.vma.zst' -Seed 5
        $run = Invoke-Child $script:Pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $script:Integrations 'offsite-nightly.ps1'),
            '-Path', (Join-Path $script:Dumps 'vzdump-qemu-103-*.vma.zst'), '-Name', 'pve-103', '-Repository', $script:Repo, '-Format', '1')
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $snapshot = Get-OffsiteBackup -Name pve-103 -Repository $script:Repo
        $snapshot.State | Should -Be 'Complete'
        $snapshot.Format | Should -Be 1
        (Get-OffsiteBackup -Name pve-101 -Repository $script:Repo).Format | Should -Be 2 -Because 'the run above named no -Format'
    }
    It 'exits 1 and mails "Error - pve-999" (NoSourceFile) when no file matches' {
        $before = Get-MailCount
        $run = Invoke-Child $script:Pwsh @('-NoProfile', '-NonInteractive', '-File', (Join-Path $script:Integrations 'offsite-nightly.ps1'),
            '-Path', (Join-Path $script:Dumps 'vzdump-qemu-999-*.vma.zst'), '-Name', 'pve-999', '-Repository', $script:Repo)
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'No file reached Start-OffsiteBackup'
        $mail = Get-NewMail $before
        $mail.Subject | Should -Be @('Error - pve-999')
        $mail[0].Text | Should -Match 'NoSourceFile'
    }
    It 'exits 1 and mails "Error - pve-101" (VerificationFailed) when the snapshot fails its check' {
        $snapshot = Get-OffsiteBackup -Name pve-101 -Repository $script:Repo | Select-Object -First 1
        $snapshot.Format | Should -Be 2 -Because 'offsite-nightly.ps1 names no -Format: new backups are format 2'
        $pack = Get-ChildItem -LiteralPath (Join-Path $script:Repo 'pve-101/packs') -Filter '*.oopk' | Select-Object -First 1
        $stream = [IO.File]::Open($pack.FullName, 'Open', 'ReadWrite'); $stream.SetLength($stream.Length - 1); $stream.Dispose()
        $script = Join-Path $TestDrive 'monthly-check.ps1'
        Set-Content -LiteralPath $script -Value "`$ErrorActionPreference = 'Stop'; Import-Module '$($script:Manifest)'; Test-OffsiteBackup -Name pve-101 -Repository '$($script:Repo)'"
        $before = Get-MailCount
        $run = Invoke-Child $script:Pwsh @('-NoProfile', '-NonInteractive', '-File', $script)
        $run.ExitCode | Should -Be 1
        $run.Output | Should -Match 'VerificationFailed|failed its Quick check'
        $mail = Get-NewMail $before
        $mail.Subject | Should -Be @('Error - pve-101')
        $mail[0].Text | Should -Match 'VerificationFailed'
        # And in this session: a result object AND an error record with the stable id.
        $result = Test-OffsiteBackup -Name pve-101 -Repository $script:Repo -NoNotification -ErrorVariable failures -ErrorAction SilentlyContinue
        $result.Passed | Should -BeFalse
        $failures[0].FullyQualifiedErrorId | Should -Be 'VerificationFailed,OnedriveOffsite.Commands.TestOffsiteBackupCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidData'
    }
}

Describe 'offsite-nightly.ps1 against OneDrive (emulator)' {
    BeforeAll {
        $script:Emulator = Start-TestEmulator -Arguments @('--capacity', '100000')
        Set-OffsiteApp -ClientId ([guid]::NewGuid()) -GraphEndpoint $script:Emulator.Uri -WarningAction SilentlyContinue
        $script:Nightly = Join-Path $script:Integrations 'offsite-nightly.ps1'
    }
    AfterAll { Stop-TestEmulator $script:Emulator }

    It 'exits 1 and mails "Error - pve-102" (OneDriveQuotaExceeded) when OneDrive is full' {
        Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString $script:Emulator.Token -AsPlainText -Force) -WarningAction SilentlyContinue | Out-Null
        $null = New-Dump 'vzdump-qemu-102-2026_12_01-02_00_00.vma.zst' -KiB 400 -Seed 2
        $before = Get-MailCount
        $run = Invoke-Child $script:Pwsh @('-NoProfile', '-NonInteractive', '-File', $script:Nightly,
            '-Path', (Join-Path $script:Dumps 'vzdump-qemu-102-*.vma.zst'), '-Name', 'pve-102', '-Repository', 'onedrive:')
        $run.ExitCode | Should -Be 1
        $mail = Get-NewMail $before
        $mail.Subject | Should -Be @('Error - pve-102')
        $mail[0].Text | Should -Match 'OneDriveQuotaExceeded'
    }
    It 'exits 1 and mails "Error - pve-102" (SignInRequired) when the sign-in must be renewed' {
        Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString 'no-longer-valid' -AsPlainText -Force) -WarningAction SilentlyContinue | Out-Null
        $before = Get-MailCount
        $run = Invoke-Child $script:Pwsh @('-NoProfile', '-NonInteractive', '-File', $script:Nightly,
            '-Path', (Join-Path $script:Dumps 'vzdump-qemu-102-*.vma.zst'), '-Name', 'pve-102', '-Repository', 'onedrive:')
        $run.ExitCode | Should -Be 1
        $mail = Get-NewMail $before
        $mail.Subject | Should -Be @('Error - pve-102')
        $mail[0].Text | Should -Match 'SignInRequired'
    }
}

Describe 'Installed schedules run as their hosts run them' {
    BeforeAll {
        $script:Root = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'root')).FullName
        $null = & $script:Pwsh -NoProfile -NonInteractive -File (Join-Path $script:Integrations 'Install-OffsiteSchedule.ps1') -Systemd -Cron -VzdumpHook -Root $script:Root
        # The hosts start `pwsh` from PATH or /usr/bin/pwsh: point both at the pwsh under test.
        $script:Bin = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'bin')).FullName
        Set-Content -LiteralPath (Join-Path $script:Bin 'pwsh') -Value "#!/bin/sh`nexec '$($script:Pwsh)' `"`$@`""
        & chmod 755 (Join-Path $script:Bin 'pwsh')
        function Resolve-Rooted([string] $Text) {
            $Text -replace '/usr/local/sbin/', "$($script:Root)/usr/local/sbin/" -replace '/var/log/', "$($script:Root)/" -replace '/usr/bin/pwsh', (Join-Path $script:Bin 'pwsh')
        }
    }

    It 'installs the nightly script, the systemd units, the cron file and the vzdump hook' {
        foreach ($file in 'usr/local/sbin/offsite-nightly.ps1', 'usr/local/sbin/offsite-vzdump-hook.ps1', 'etc/systemd/system/onedrive-offsite.service',
            'etc/systemd/system/onedrive-offsite.timer', 'etc/cron.d/onedrive-offsite') {
            Join-Path $script:Root $file | Should -Exist
        }
        Get-Content (Join-Path $script:Root 'etc/vzdump.conf') | Should -Contain 'script: /usr/local/sbin/offsite-vzdump-hook.ps1'
        $timer = Get-Content (Join-Path $script:Root 'etc/systemd/system/onedrive-offsite.timer')
        $timer | Should -Contain 'Persistent=true'
        ($timer -match '^OnCalendar=') | Should -Not -BeNullOrEmpty
    }
    It 'the cron line, run by /bin/sh with the file''s environment, fails loudly on a night without a dump' {
        $lines = Get-Content (Join-Path $script:Root 'etc/cron.d/onedrive-offsite') | Where-Object { $_ -and $_ -notmatch '^\s*#' }
        $environment = @{}
        foreach ($assignment in $lines | Where-Object { $_ -match '^[A-Z_]+=' }) { $n, $v = $assignment -split '=', 2; $environment[$n] = $v }
        $job = $lines | Where-Object { $_ -match '^\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+root\s+' } | Select-Object -First 1
        $command = ($job -split '\s+', 7)[6]
        $environment.PATH = "$($script:Bin):$($environment.PATH)"
        $environment.ONEDRIVE_OFFSITE_HOME = $script:ConfigHome   # the file says /etc/onedrive-offsite
        $environment.ONEDRIVE_OFFSITE_MODULE = $script:Manifest
        $before = Get-MailCount
        $run = Invoke-Child /bin/sh @('-c', (Resolve-Rooted $command)) $environment
        $run.ExitCode | Should -Not -Be 0
        (Get-NewMail $before).Subject | Should -Be @('Error - pve-101')
        Get-Content (Join-Path $script:Root 'onedrive-offsite.log') -Raw | Should -Match 'No file reached Start-OffsiteBackup'
    }
    It 'the systemd ExecStart, run with the unit''s Environment=, fails loudly on a night without a dump' {
        $unit = Get-Content (Join-Path $script:Root 'etc/systemd/system/onedrive-offsite.service')
        $exec = ($unit | Where-Object { $_ -match '^ExecStart=' }) -replace '^ExecStart=', ''
        ($unit | Where-Object { $_ -match '^Environment=ONEDRIVE_OFFSITE_HOME=' }) | Should -Not -BeNullOrEmpty
        $argv = (Resolve-Rooted $exec) -split ' '   # systemd splits on white space; the unit quotes nothing
        $before = Get-MailCount
        $run = Invoke-Child $argv[0] @($argv | Select-Object -Skip 1) @{ ONEDRIVE_OFFSITE_HOME = $script:ConfigHome; ONEDRIVE_OFFSITE_MODULE = $script:Manifest }
        $run.ExitCode | Should -Not -Be 0
        (Get-NewMail $before).Subject | Should -Be @('Error - pve-101')
    }
}

Describe 'Proxmox vzdump hook (called with vzdump''s arguments and environment)' {
    BeforeAll {
        $script:Hook = Join-Path $script:Integrations 'offsite-vzdump-hook.ps1'
        Set-Content -LiteralPath (Join-Path $script:ConfigHome 'vzdump-hook.psd1') -Value @"
@{ SetName = 'pve-{vmid}'; Repository = '$($script:Repo)'; Detach = 'Background'; Retention = @{ KeepLast = 1 } }
"@
        $script:HookLog = Join-Path $script:ConfigHome 'vzdump-hook.log'
        function Invoke-Hook([string[]] $Arguments, [hashtable] $Environment = @{}) {
            $Environment.ONEDRIVE_OFFSITE_HOME = $script:ConfigHome
            $Environment.ONEDRIVE_OFFSITE_MODULE = $script:Manifest
            Invoke-Child $script:Pwsh (@('-NoProfile', '-NonInteractive', '-File', $script:Hook) + $Arguments) $Environment
        }
        # The worker runs detached; its outcome is a line in the hook's log. Generous bound: the machine may be busy.
        function Wait-HookLog([string] $Pattern, [int] $Count = 1) {
            $deadline = [DateTime]::UtcNow.AddMinutes(3)
            while ([DateTime]::UtcNow -lt $deadline) {
                if ((Test-Path $script:HookLog) -and @((Get-Content $script:HookLog) -match $Pattern).Count -ge $Count) { return }
                Start-Sleep -Milliseconds 200
            }
            throw "No '$Pattern' line in the hook log within 3 minutes:`n$(Get-Content $script:HookLog -Raw -ErrorAction Ignore)"
        }
    }

    It 'on backup-end queues the archive, returns, and a detached worker stores it in set pve-200' {
        $archive = New-Dump 'vzdump-qemu-200-2026_12_01-03_00_00.vma.zst' -KiB 500 -Seed 3
        $vzdumpEnv = @{ TARGET = $archive.FullName; DUMPDIR = $script:Dumps; VMTYPE = 'qemu'; HOSTNAME = 'vm200'; STOREID = 'local' }
        foreach ($phase in @('job-start'), @('backup-start', 'snapshot', '200')) { (Invoke-Hook $phase).ExitCode | Should -Be 0 }
        $run = Invoke-Hook @('backup-end', 'snapshot', '200') $vzdumpEnv
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $run.Output | Should -Match 'worker started in the background'
        Wait-HookLog "OK backup .*vzdump-qemu-200-.* -> pve-200/\S+ \(format 2\)"
        $snapshot = Get-OffsiteBackup -Name pve-200 -Repository $script:Repo
        $snapshot.State | Should -Be 'Complete'
        $snapshot.Sha256 | Should -Be (Get-FileHash $archive.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
    }
    It 'on job-end applies the configured retention after the job''s uploads' {
        $archive = New-Dump 'vzdump-qemu-200-2026_12_02-03_00_00.vma.zst' -KiB 500 -Seed 4
        $run = Invoke-Hook @('backup-end', 'snapshot', '200') @{ TARGET = $archive.FullName; DUMPDIR = $script:Dumps; VMTYPE = 'qemu' }
        $run.ExitCode | Should -Be 0 -Because $run.Output
        (Invoke-Hook @('job-end')).ExitCode | Should -Be 0
        Wait-HookLog 'OK retention on pve-200'
        $left = @(Get-OffsiteBackup -Name pve-200 -Repository $script:Repo)
        $left.Count | Should -Be 1
        $left[0].Sha256 | Should -Be (Get-FileHash $archive.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
    }
    It 'backs up in format 1 when the settings say Format = 1' {
        $settingsFile = Join-Path $script:ConfigHome 'vzdump-hook.psd1'
        $saved = Get-Content -LiteralPath $settingsFile -Raw
        try {
            Set-Content -LiteralPath $settingsFile -Value ($saved -replace "Detach = 'Background'", "Detach = 'Background'; Format = 1")
            $archive = New-Dump 'vzdump-qemu-202-2026_12_01-03_00_00.vma.zst' -KiB 500 -Seed 6
            $run = Invoke-Hook @('backup-end', 'snapshot', '202') @{ TARGET = $archive.FullName; DUMPDIR = $script:Dumps; VMTYPE = 'qemu' }
            $run.ExitCode | Should -Be 0 -Because $run.Output
            Wait-HookLog "OK backup .*vzdump-qemu-202-.* -> pve-202/\S+ \(format 1\)"
        }
        finally { Set-Content -LiteralPath $settingsFile -Value $saved -NoNewline }
        $snapshot = Get-OffsiteBackup -Name pve-202 -Repository $script:Repo
        $snapshot.Format | Should -Be 1
        $snapshot.Sha256 | Should -Be (Get-FileHash $archive.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
    }
    It 'fails backup-end (exit 1, logged) when TARGET names no file' {
        $run = Invoke-Hook @('backup-end', 'snapshot', '201') @{ TARGET = (Join-Path $script:Dumps 'missing.vma.zst') }
        $run.ExitCode | Should -Be 1
        Get-Content $script:HookLog -Raw | Should -Match 'FAILED backup-end for 201'
    }
}
