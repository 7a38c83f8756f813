#Requires -Version 7.4
# Which format Start-OffsiteBackup writes: format 2 (deduplicated) unless -Format 1 is asked for; -PartSize and
# -Resume (format 1 parameters) without -Format mean format 1, and so does an interrupted format 1 backup of the same
# file that a rerun continues; -Format 2 with a format 1 parameter fails before anything runs.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $env:ONEDRIVE_OFFSITE_HOME = $script:ConfigHome
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $script:Pwsh = Get-TestPwsh
    $script:Generator = Join-Path $PSScriptRoot 'streams/Write-TestStream.ps1'

    function New-TestFile([string] $Name, [int] $MiB, [int] $Seed) {
        $path = Join-Path $TestDrive $Name
        $buffer = [byte[]]::new(1MB); $rng = [Random]::new($Seed)
        $fs = [IO.File]::Create($path)
        try { for ($i = 0; $i -lt $MiB; $i++) { $rng.NextBytes($buffer); $fs.Write($buffer, 0, $buffer.Length) } } finally { $fs.Dispose() }
        $path
    }
    function New-OutDir { (New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))).FullName }
    function Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
    # The stored files of a set: format 1 parts (part-*.oop in a snapshot folder), format 2 packs (packs/*.oopk).
    function Get-StoredPart([string] $Set) { @(Get-ChildItem -LiteralPath (Join-Path $script:Repo $Set) -Recurse -Filter 'part-*.oop' -File -ErrorAction Ignore) }
    function Get-StoredPack([string] $Set) { @(Get-ChildItem -LiteralPath (Join-Path $script:Repo $Set) -Recurse -Filter '*.oopk' -File -ErrorAction Ignore) }
}

Describe 'Start-OffsiteBackup without -Format' {
    It 'backs up a file as a format 2 snapshot, shown as format 2 by Get-OffsiteBackup, that restores bit-exactly' {
        $source = New-TestFile 'default.bin' 3 11
        $s = Start-OffsiteBackup -LiteralPath $source -Name default -Repository $script:Repo -NoNotification
        $s.Format | Should -Be 2
        $listed = @(Get-OffsiteBackup -Name default -Repository $script:Repo)
        $listed | Should -HaveCount 1
        $listed[0].SnapshotId | Should -Be $s.SnapshotId
        $listed[0].Format | Should -Be 2
        $listed[0].State | Should -Be 'Complete'
        Get-StoredPack default | Should -Not -BeNullOrEmpty -Because 'format 2 stores chunks in packs'
        Get-StoredPart default | Should -BeNullOrEmpty -Because 'format 1 parts are not written'
        $restored = $s | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        Get-Sha256 $restored.FullName | Should -Be (Get-Sha256 $source)
    }

    It 'backs up -FromCommand output and an -InputStream as format 2 snapshots that restore bit-exactly' {
        $fromCommand = Start-OffsiteBackup -Name default-command -Repository $script:Repo -SourceName 'gen.bin' -NoNotification `
            -FromCommand $script:Pwsh, '-NoProfile', '-NonInteractive', '-File', $script:Generator, '-MiB', '3', '-Seed', '12'
        $bytes = [byte[]]::new(2MB + 12345); [Random]::new(13).NextBytes($bytes)
        $fromStream = Start-OffsiteBackup -Name default-stream -Repository $script:Repo -SourceName 'mem.bin' -NoNotification `
            -InputStream ([IO.MemoryStream]::new($bytes))
        foreach ($s in $fromCommand, $fromStream) {
            $s.Format | Should -Be 2
            (Get-OffsiteBackup -Name $s.Name -Repository $script:Repo).Format | Should -Be 2
            Get-StoredPart $s.Name | Should -BeNullOrEmpty
        }
        $commandFile = $fromCommand | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        Get-Sha256 $commandFile.FullName | Should -Be $fromCommand.Sha256
        $expected = [byte[]]::new(3MB); $buffer = [byte[]]::new(1MB); $rng = [Random]::new(12)
        for ($i = 0; $i -lt 3; $i++) { $rng.NextBytes($buffer); [Array]::Copy($buffer, 0, $expected, $i * 1MB, 1MB) }
        $fromCommand.Sha256 | Should -Be ([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($expected)).ToLowerInvariant())
        $streamFile = $fromStream | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        Get-Sha256 $streamFile.FullName | Should -Be ([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)).ToLowerInvariant())
    }

    It 'makes a format 1 snapshot in parts of the -PartSize given, and says why in -Verbose' {
        $source = New-TestFile 'partsize.bin' 3 14
        $output = Start-OffsiteBackup -LiteralPath $source -Name partsize -Repository $script:Repo -PartSize 1MB -NoNotification -Verbose 4>&1
        $s = $output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        $messages = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $s.Format | Should -Be 1
        (Get-OffsiteBackup -Name partsize -Repository $script:Repo).Format | Should -Be 1
        $s.Parts | Should -Be 3
        (Get-StoredPart partsize).Name | Sort-Object | Should -Be @('part-00000.oop', 'part-00001.oop', 'part-00002.oop')
        Get-StoredPack partsize | Should -BeNullOrEmpty
        ($messages -match '^-PartSize .*format 1') | Should -Not -BeNullOrEmpty -Because ($messages -join "`n")
        $restored = $s | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        Get-Sha256 $restored.FullName | Should -Be (Get-Sha256 $source)
    }

    It 'makes a format 1 stream snapshot in parts of the -PartSize given' {
        $bytes = [byte[]]::new(2MB); [Random]::new(15).NextBytes($bytes)
        $s = Start-OffsiteBackup -Name partsize-stream -Repository $script:Repo -SourceName 'mem.bin' -PartSize 512KB -NoNotification `
            -InputStream ([IO.MemoryStream]::new($bytes))
        $s.Format | Should -Be 1
        $s.Parts | Should -Be 4
        Get-StoredPart partsize-stream | Should -HaveCount 4
        Get-StoredPack partsize-stream | Should -BeNullOrEmpty
    }

    It 'is a format 1 run with -Resume: with no interrupted backup to continue it fails with NothingToResume and stores nothing' {
        $source = New-TestFile 'resume-nothing.bin' 1 16
        $s = Start-OffsiteBackup -LiteralPath $source -Name resume-nothing -Repository $script:Repo -Resume -NoNotification `
            -ErrorVariable failure -ErrorAction SilentlyContinue
        $s | Should -BeNullOrEmpty
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'NothingToResume,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        @(Get-OffsiteBackup -Name resume-nothing -Repository $script:Repo -ErrorAction Ignore) | Should -HaveCount 0
        Get-StoredPart resume-nothing | Should -BeNullOrEmpty
        Get-StoredPack resume-nothing | Should -BeNullOrEmpty
    }
}

Describe 'Start-OffsiteBackup -Format 2 with a format 1 parameter' {
    It 'fails with FormatParameterConflict (InvalidArgument) for <Parameter> and stores nothing' -ForEach @(
        @{ Parameter = '-PartSize'; Extra = @{ PartSize = 1MB } }
        @{ Parameter = '-Resume'; Extra = @{ Resume = $true } }
    ) {
        $source = New-TestFile 'conflict.bin' 1 17
        $set = 'conflict' + $Parameter.TrimStart('-').ToLowerInvariant()
        $s = Start-OffsiteBackup -LiteralPath $source -Name $set -Repository $script:Repo -Format 2 @Extra -NoNotification `
            -ErrorVariable failure -ErrorAction SilentlyContinue
        $s | Should -BeNullOrEmpty
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'FormatParameterConflict,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        $failure[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failure[0].Exception.Message | Should -BeLike "*-Format 2*$Parameter*"
        Join-Path $script:Repo $set | Should -Not -Exist
        Get-ChildItem -LiteralPath (Join-Path $script:ConfigHome 'journals') -Filter *.json -ErrorAction Ignore |
            Where-Object { (Get-Content -LiteralPath $_.FullName -Raw) -match [regex]::Escape($source) } | Should -BeNullOrEmpty
    }

    It 'fails with FormatParameterConflict for a -FromCommand with -PartSize before the command is started' {
        $marker = Join-Path $TestDrive 'conflict-command-started'
        $s = Start-OffsiteBackup -Name conflict-command -Repository $script:Repo -SourceName 'gen.bin' -Format 2 -PartSize 1MB -NoNotification `
            -FromCommand $script:Pwsh, '-NoProfile', '-NonInteractive', '-File', $script:Generator, '-MiB', '1', '-MarkerFile', $marker `
            -ErrorVariable failure -ErrorAction SilentlyContinue
        $s | Should -BeNullOrEmpty
        $failure | Should -HaveCount 1
        $failure[0].FullyQualifiedErrorId | Should -Be 'FormatParameterConflict,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        $marker | Should -Not -Exist
        Join-Path $script:Repo 'conflict-command' | Should -Not -Exist
    }
}

Describe 'An interrupted format 1 backup and a rerun without -Format' {
    BeforeAll {
        $script:Interrupted = New-TestFile 'interrupted.bin' 16 18
        $command = "Import-Module '$script:Module'; `$env:ONEDRIVE_OFFSITE_HOME = '$script:ConfigHome'; " +
            "Start-OffsiteBackup -LiteralPath '$script:Interrupted' -Name interrupted -Repository '$script:Repo' -Format 1 -PartSize 1MB -ThrottleLimit 1 -NoNotification"
        # The engine's test hook holds the run once 4 parts are stored and recorded: the kill comes at that known point.
        $process = Start-HeldBackup -Command $command -HoldAfterParts 4
        Stop-Process -Id $process.Id -Force
        $process.WaitForExit()
        $script:Before = Get-OffsiteBackup -Name interrupted -Repository $script:Repo
    }

    It 'continues it in format 1, says so in -Verbose, completes the same snapshot and restores bit-exactly' {
        $script:Before.State | Should -Be 'Resumable'
        $script:Before.Format | Should -Be 1
        Get-StoredPart interrupted | Should -HaveCount 4

        $output = Start-OffsiteBackup -LiteralPath $script:Interrupted -Name interrupted -Repository $script:Repo -NoNotification -Verbose 4>&1
        $s = $output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        $messages = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        ($messages -match 'interrupted format 1 backup.*continued in format 1') | Should -Not -BeNullOrEmpty -Because ($messages -join "`n")
        ($messages -match '^Resuming snapshot') | Should -Not -BeNullOrEmpty
        # -ThrottleLimit 1 and the hold after part 4: exactly the 12 parts not stored before the kill are stored now,
        # in the interrupted run's part size (the rerun named none).
        @($messages -match '^Stored part-').Count | Should -Be 12
        $s.SnapshotId | Should -Be $script:Before.SnapshotId
        $s.Format | Should -Be 1
        $s.Parts | Should -Be 16
        $listed = @(Get-OffsiteBackup -Name interrupted -Repository $script:Repo)
        $listed | Should -HaveCount 1
        $listed[0].State | Should -Be 'Complete'
        Get-StoredPack interrupted | Should -BeNullOrEmpty
        $restored = $s | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        Get-Sha256 $restored.FullName | Should -Be (Get-Sha256 $script:Interrupted)
    }

    It 'makes the next backup of the same file, with nothing left to continue, a format 2 snapshot' {
        (Get-OffsiteBackup -Name interrupted -Repository $script:Repo).State | Should -Be 'Complete'
        $s = Start-OffsiteBackup -LiteralPath $script:Interrupted -Name interrupted -Repository $script:Repo -NoNotification
        $s.Format | Should -Be 2
        @(Get-OffsiteBackup -Name interrupted -Repository $script:Repo).Format | Should -Be @(1, 2)
    }

    It 'starts a format 2 snapshot when the file changed since the interruption, and drops the journal it cannot continue' {
        $source = New-TestFile 'changed.bin' 8 19
        $command = "Import-Module '$script:Module'; `$env:ONEDRIVE_OFFSITE_HOME = '$script:ConfigHome'; " +
            "Start-OffsiteBackup -LiteralPath '$source' -Name changed -Repository '$script:Repo' -Format 1 -PartSize 1MB -ThrottleLimit 1 -NoNotification"
        $process = Start-HeldBackup -Command $command -HoldAfterParts 2
        Stop-Process -Id $process.Id -Force
        $process.WaitForExit()
        (Get-OffsiteBackup -Name changed -Repository $script:Repo).State | Should -Be 'Resumable'
        $stream = [IO.File]::Open($source, 'Append'); try { $stream.Write([byte[]]::new(100), 0, 100) } finally { $stream.Dispose() }

        $output = Start-OffsiteBackup -LiteralPath $source -Name changed -Repository $script:Repo -NoNotification -Verbose 4>&1
        $s = $output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        $messages = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $s.Format | Should -Be 2
        $restored = $s | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        Get-Sha256 $restored.FullName | Should -Be (Get-Sha256 $source)
        # The interrupted run can no longer be continued (its file changed): its journal is dropped, as a format 1 rerun
        # drops it, so the listing stops offering it as Resumable.
        ($messages -match 'cannot be continued') | Should -Not -BeNullOrEmpty -Because ($messages -join "`n")
        $states = @(Get-OffsiteBackup -Name changed -Repository $script:Repo | Sort-Object Created).State
        $states | Should -Be @('Incomplete', 'Complete')
    }
}
