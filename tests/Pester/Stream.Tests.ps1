#Requires -Version 7.4
# Stream backups end to end with real processes: Start-OffsiteBackup -FromCommand / -InputStream and
# Restore-OffsiteBackup -ToCommand / -OutputStream, on a local repository and through the OneDrive emulator with faults.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    Import-Module (Get-TestModuleManifest) -Force
    $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'home'
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $script:Pwsh = Get-TestPwsh
    $script:Generator = Join-Path $PSScriptRoot 'streams/Write-TestStream.ps1'
    $script:Consumer = Join-Path $PSScriptRoot 'streams/Read-TestStream.ps1'

    # The command line that runs the generator with the given arguments (an array: no shell).
    function Get-GeneratorCommand([string[]] $Arguments) { @($script:Pwsh, '-NoProfile', '-NonInteractive', '-File', $script:Generator) + $Arguments }
    function Get-ConsumerCommand([string] $OutFile, [string[]] $Arguments = @()) {
        @($script:Pwsh, '-NoProfile', '-NonInteractive', '-File', $script:Consumer, '-OutFile', $OutFile) + $Arguments
    }
    # What Write-TestStream.ps1 -MiB $MiB -Seed $Seed writes: "<sha256> <length>", computed here independently.
    function Get-ExpectedDigest([int] $MiB, [int] $Seed) {
        $sha = [Security.Cryptography.IncrementalHash]::CreateHash('SHA256'); $buffer = [byte[]]::new(1MB); $rng = [Random]::new($Seed)
        for ($i = 0; $i -lt $MiB; $i++) { $rng.NextBytes($buffer); $sha.AppendData($buffer) }
        '{0} {1}' -f [Convert]::ToHexString($sha.GetHashAndReset()).ToLowerInvariant(), ($MiB * 1MB)
    }
    function New-TempName([string] $Suffix) { Join-Path $TestDrive ([guid]::NewGuid().ToString('N') + $Suffix) }
    # True while the process exists and is not a zombie (a killed process whose parent did not reap it yet).
    function Test-ProcessAlive([int] $Id) {
        if ($IsLinux) {
            $stat = Get-Content -LiteralPath "/proc/$Id/stat" -Raw -ErrorAction Ignore
            return [bool]$stat -and ($stat -replace '^.*\)\s+', '')[0] -ne 'Z'
        }
        $null -ne (Get-Process -Id $Id -ErrorAction Ignore)
    }
    function Wait-Until([scriptblock] $Condition, [int] $Seconds = 60) {
        $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
        while (-not (& $Condition)) {
            if ([DateTime]::UtcNow -gt $deadline) { return $false }
            Start-Sleep -Milliseconds 100
        }
        $true
    }
}

Describe 'Start-OffsiteBackup -FromCommand and Restore-OffsiteBackup -ToCommand (local repository)' {
    It 'backs up a command''s output in parts and restores it into a command that hashes it to the same digest' {
        $verbose = @()
        $s = Start-OffsiteBackup -Name gen -Repository $script:Repo -FromCommand (Get-GeneratorCommand '-MiB', '20', '-Seed', '7') `
            -SourceName 'gen.bin' -Format 1 -PartSize 4MB -NoNotification -Verbose 4>&1 | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] -or -not ($verbose += "$_") }
        $s.State | Should -Be 'Complete'
        $s.SourceName | Should -Be 'gen.bin'
        $s.SourceSize | Should -Be 20MB
        $s.Parts | Should -Be 5
        ($verbose -join "`n") | Should -Match 'pwsh: Write-TestStream: wrote 20 MiB' -Because 'standard error lines go to -Verbose'
        $expected = Get-ExpectedDigest 20 7
        $s.Sha256 | Should -Be ($expected -split ' ')[0]

        $out = New-TempName '.txt'
        $r = Restore-OffsiteBackup -Name gen -Repository $script:Repo -ToCommand (Get-ConsumerCommand $out) -NoNotification
        $r.SnapshotId | Should -Be $s.SnapshotId
        (Get-Content -LiteralPath $out) | Should -Be $expected

        $dir = (New-Item -ItemType Directory -Path (New-TempName '')).FullName
        $file = Restore-OffsiteBackup -Name gen -Repository $script:Repo -Destination $dir -NoNotification
        $file.Name | Should -Be 'gen.bin'
        (Get-FileHash -LiteralPath $file.FullName).Hash.ToLowerInvariant() | Should -Be ($expected -split ' ')[0]
        (Get-OffsiteBackup -Name gen -Repository $script:Repo | Test-OffsiteBackup -Full).Passed | Should -BeTrue
    }

    It 'fails with SourceCommandFailed (exit code and standard error quoted) and leaves no Complete snapshot when the command exits 3 after some data' {
        $err = $null
        $s = Start-OffsiteBackup -Name failing -Repository $script:Repo -FromCommand (Get-GeneratorCommand '-MiB', '20', '-FailAfterMiB', '9', '-ExitCode', '3') `
            -SourceName 'x.bin' -Format 1 -PartSize 4MB -NoNotification -ErrorVariable err -ErrorAction SilentlyContinue
        $s | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'SourceCommandFailed,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        $err[0].Exception.Message | Should -Match 'exited with code 3'
        $err[0].Exception.Message | Should -Match 'failing on purpose after 9 MiB'
        @(Get-OffsiteBackup -Name failing -Repository $script:Repo | Where-Object State -eq 'Complete') | Should -HaveCount 0
        { Restore-OffsiteBackup -Name failing -Repository $script:Repo -ToCommand (Get-ConsumerCommand (New-TempName '.txt')) -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'SnapshotIncomplete,OnedriveOffsite.Commands.RestoreOffsiteBackupCommand'
    }

    It 'makes a valid empty snapshot of a command that writes nothing, and restores it' {
        $s = Start-OffsiteBackup -Name empty -Repository $script:Repo -FromCommand (Get-GeneratorCommand '-MiB', '0') -SourceName 'empty.bin' -NoNotification
        $s.State | Should -Be 'Complete'
        $s.SourceSize | Should -Be 0
        $s.Sha256 | Should -Be 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
        $out = New-TempName '.txt'
        $null = $s | Restore-OffsiteBackup -ToCommand (Get-ConsumerCommand $out) -NoNotification
        (Get-Content -LiteralPath $out) | Should -Be 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 0'
        ($s | Test-OffsiteBackup -Full).Passed | Should -BeTrue
    }

    It 'fails with DestinationCommandFailed when the consumer exits early, with code 0 or not' {
        $s = Get-OffsiteBackup -Name gen -Repository $script:Repo
        foreach ($code in 0, 4) {
            $out = New-TempName '.txt'
            $err = $null
            $null = $s | Restore-OffsiteBackup -ToCommand (Get-ConsumerCommand $out '-StopAfterBytes', '1048576', '-ExitCode', "$code") -NoNotification -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be 'DestinationCommandFailed,OnedriveOffsite.Commands.RestoreOffsiteBackupCommand'
            $err[0].Exception.Message | Should -Match "exited with code $code"
            (Get-Content -LiteralPath $out) | Should -Match '^stopped '
        }
    }

    It 'fails with DestinationCommandFailed when the consumer reads everything but exits non-zero' {
        $out = New-TempName '.txt'
        { Restore-OffsiteBackup -Name empty -Repository $script:Repo -ToCommand (Get-ConsumerCommand $out '-ExitCode', '5') -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationCommandFailed,OnedriveOffsite.Commands.RestoreOffsiteBackupCommand'
    }

    It 'does not start the command with -WhatIf' {
        $marker = New-TempName '.started'
        Start-OffsiteBackup -Name whatif -Repository $script:Repo -FromCommand (Get-GeneratorCommand '-MarkerFile', $marker) -SourceName 'w.bin' -WhatIf
        $marker | Should -Not -Exist
        Get-OffsiteBackup -Name whatif -Repository $script:Repo | Should -BeNullOrEmpty
    }

    It 'backs up a command''s output in format 2 (the second run adds almost nothing) and restores it into a command to the same digest' {
        $first = Start-OffsiteBackup -Name gen2 -Repository $script:Repo -FromCommand (Get-GeneratorCommand '-MiB', '12', '-Seed', '5') `
            -SourceName 'gen2.bin' -Format 2 -NoNotification
        $first.State | Should -Be 'Complete'
        $first.Format | Should -Be 2
        $first.SourceSize | Should -Be 12MB
        $expected = Get-ExpectedDigest 12 5
        $first.Sha256 | Should -Be ($expected -split ' ')[0]
        $second = Start-OffsiteBackup -Name gen2 -Repository $script:Repo -FromCommand (Get-GeneratorCommand '-MiB', '12', '-Seed', '5') `
            -SourceName 'gen2.bin' -Format 2 -NoNotification
        $second.AddedSize | Should -BeLessThan 64KB -Because 'the same output again stores no chunk, only its chunk list'

        $out = New-TempName '.txt'
        $r = Restore-OffsiteBackup -Name gen2 -Repository $script:Repo -SnapshotId $second.SnapshotId -ToCommand (Get-ConsumerCommand $out) -NoNotification
        $r.SnapshotId | Should -Be $second.SnapshotId
        (Get-Content -LiteralPath $out) | Should -Be $expected
        (Get-OffsiteBackup -Name gen2 -Repository $script:Repo | Select-Object -Last 1 | Test-OffsiteBackup -Full).Passed | Should -BeTrue
    }

    It 'fails a format 2 backup of a command that exits 3 with SourceCommandFailed and leaves no Complete snapshot' {
        $err = $null
        $null = Start-OffsiteBackup -Name failing2 -Repository $script:Repo -FromCommand (Get-GeneratorCommand '-MiB', '12', '-FailAfterMiB', '6', '-ExitCode', '3') `
            -SourceName 'x.bin' -Format 2 -NoNotification -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'SourceCommandFailed,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        $err[0].Exception.Message | Should -Match 'exited with code 3'
        @(Get-OffsiteBackup -Name failing2 -Repository $script:Repo | Where-Object State -eq 'Complete') | Should -HaveCount 0
    }

    It 'refuses -RemoveSource and -Resume with -FromCommand, and a -SourceName with a directory' {
        { Start-OffsiteBackup -Name x -Repository $script:Repo -FromCommand $script:Pwsh -SourceName a.bin -RemoveSource -ErrorAction Stop } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        { Start-OffsiteBackup -Name x -Repository $script:Repo -FromCommand $script:Pwsh -SourceName a.bin -Resume -ErrorAction Stop } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        { Start-OffsiteBackup -Name x -Repository $script:Repo -FromCommand $script:Pwsh -SourceName '../a.bin' -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSourceName,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        { Start-OffsiteBackup -Name x -Repository $script:Repo -FromCommand 'no-such-program-5d1c' -SourceName a.bin -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'CommandNotStarted,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        Get-OffsiteBackup -Name x -Repository $script:Repo | Should -BeNullOrEmpty
    }

    It 'stops the command and every process it started on Ctrl+C, leaving no Complete snapshot' {
        $pidFile = New-TempName '.pid'; $childPidFile = New-TempName '.child'
        $ps = [PowerShell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument((Get-TestModuleManifest)).AddStatement()
            $null = $ps.AddCommand('Start-OffsiteBackup').AddParameters(@{
                    Name = 'stopped'; Repository = $script:Repo; SourceName = 's.bin'; Format = 1; PartSize = 1MB; NoNotification = $true
                    FromCommand = Get-GeneratorCommand '-Endless', '-PidFile', $pidFile, '-ChildPidFile', $childPidFile
                })
            $async = $ps.BeginInvoke()
            # Wait until data flows (a part is stored), then press "Ctrl+C": PowerShell calls StopProcessing.
            $storedPart = { @(Get-ChildItem -Path (Join-Path $script:Repo 'stopped') -Recurse -Filter 'part-*.oop' -ErrorAction Ignore).Count -gt 0 }
            Wait-Until $storedPart | Should -BeTrue -Because 'the backup must be running when it is stopped'
            $generatorId = [int](Get-Content -LiteralPath $pidFile); $childId = [int](Get-Content -LiteralPath $childPidFile)
            Test-ProcessAlive $generatorId | Should -BeTrue
            $ps.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            @($ps.EndInvoke($async)) | Should -HaveCount 0 -Because 'no snapshot object is returned'
        }
        finally { $ps.Dispose() }
        Wait-Until { -not (Test-ProcessAlive $generatorId) } 60 | Should -BeTrue -Because "the command is killed ($(Get-Content -Raw -LiteralPath "/proc/$generatorId/stat" -ErrorAction Ignore))"
        Wait-Until { -not (Test-ProcessAlive $childId) } 60 | Should -BeTrue -Because "its whole process tree is killed ($(Get-Content -Raw -LiteralPath "/proc/$childId/stat" -ErrorAction Ignore))"
        @(Get-OffsiteBackup -Name stopped -Repository $script:Repo | Where-Object State -eq 'Complete') | Should -HaveCount 0
    }
}

Describe 'Start-OffsiteBackup -InputStream and Restore-OffsiteBackup -OutputStream' {
    It 'round-trips a stream a script holds, compressing text, and the snapshot lists and verifies like a file''s' {
        $text = [Text.Encoding]::UTF8.GetBytes(('stream line äöü ' * 100000))
        $in = [IO.MemoryStream]::new($text)
        $s = Start-OffsiteBackup -Name mem -Repository $script:Repo -InputStream $in -SourceName 'mem.txt' -Format 1 -PartSize 512KB -NoNotification
        $s.SourceSize | Should -Be $text.Length
        $s.StoredSize | Should -BeLessThan ($text.Length / 10)
        $in.CanRead | Should -BeTrue -Because 'the caller''s stream is not closed'
        $out = [IO.MemoryStream]::new()
        $r = Restore-OffsiteBackup -Name mem -Repository $script:Repo -OutputStream $out -NoNotification
        $r.Sha256 | Should -Be $s.Sha256
        [Convert]::ToHexString($out.ToArray()) | Should -Be ([Convert]::ToHexString($text))
        (Get-OffsiteBackup -Name mem -Repository $script:Repo).SourceName | Should -Be 'mem.txt'
        ($s | Test-OffsiteBackup -Full).Passed | Should -BeTrue
        $s | Remove-OffsiteBackup -Force
        Get-OffsiteBackup -Name mem -Repository $script:Repo | Should -BeNullOrEmpty
    }
}

Describe 'Stream backup through OneDrive (emulator) with injected faults' {
    BeforeAll {
        $script:Emulator = Start-TestEmulator
        $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'home-onedrive'
        Set-OffsiteApp -ClientId ([guid]::NewGuid()) -GraphEndpoint $script:Emulator.Uri -WarningAction SilentlyContinue
        Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString $script:Emulator.Token -AsPlainText -Force) -WarningAction SilentlyContinue | Out-Null
        $null = New-OffsiteKey -WarningAction SilentlyContinue
    }
    AfterAll {
        Stop-TestEmulator $script:Emulator
        $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'home'
    }

    It 'backs up a command''s output, re-sending failed parts from memory, and restores it into a command to the same digest' {
        $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/faults" -ContentType 'application/json' -Body (@{ rate = 0.15; kinds = 'all'; seed = 5; retryAfterSeconds = 1 } | ConvertTo-Json)
        try {
            $s = Start-OffsiteBackup -Name gen -Repository onedrive:/streams -FromCommand (Get-GeneratorCommand '-MiB', '24', '-Seed', '11') `
                -SourceName 'gen.bin' -Format 1 -PartSize 2MB -FragmentSize 640KB -NoNotification
            $out = New-TempName '.txt'
            $null = $s | Restore-OffsiteBackup -ToCommand (Get-ConsumerCommand $out) -NoNotification
        }
        finally {
            $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/faults" -ContentType 'application/json' -Body '{"clear": true}'
        }
        $s.State | Should -Be 'Complete'
        (Get-Content -LiteralPath $out) | Should -Be (Get-ExpectedDigest 24 11)
        $stats = Get-TestEmulatorStats $script:Emulator
        ($stats.faultsInjected.PSObject.Properties.Value | Measure-Object -Sum).Sum | Should -BeGreaterThan 0
        $stats.internalErrors | Should -Be 0
        ($s | Test-OffsiteBackup).Passed | Should -BeTrue
    }

    It 'backs up a compressible command output into zstd parts with no temporary file (file backups of the same data need one)' {
        # The child's temp directory does not exist: anything that spools to a temporary file fails there.
        $text = (New-Item -ItemType File -Path (New-TempName '.log') -Value ('2026-12-02 INFO line for compression' * 50000)).FullName
        $result = Invoke-FreshPwsh -Parameters @{ Module = (Get-TestModuleManifest); Command = ((Get-GeneratorCommand '-MiB', '6', '-Text') -join "`t"); TextFile = $text; TempDir = (New-TempName '-missing') } -Script {
            param($Module, $Command, $TextFile, $TempDir)
            Import-Module $Module
            $env:TMPDIR = $TempDir; $env:TMP = $TempDir; $env:TEMP = $TempDir
            $s = Start-OffsiteBackup -Name text -Repository onedrive:/streams -FromCommand ($Command -split "`t") -SourceName 't.log' -Format 1 -PartSize 2MB -Compression Zstd -NoNotification -ErrorAction Stop
            $fileError = $null
            $null = Start-OffsiteBackup -LiteralPath $TextFile -Name textfile -Repository onedrive:/streams -Format 1 -Compression Zstd -NoNotification -ErrorVariable fileError -ErrorAction SilentlyContinue
            @{ StoredSize = $s.StoredSize; SourceSize = $s.SourceSize; FileBackupError = "$($fileError[0].FullyQualifiedErrorId)" } | ConvertTo-Json -Compress
        }
        $result.SourceSize | Should -Be 6MB
        $result.StoredSize | Should -BeLessThan 1MB
        $result.FileBackupError | Should -Not -BeNullOrEmpty -Because 'a file backup''s zstd part spools to the (missing) temp directory, which shows the check can fail'
    }
}
