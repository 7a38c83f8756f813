#Requires -Version 7.4
# Trust (issue 9): a resumed snapshot is proven against the source, a snapshot is bound to where it is found, and
# what a killed run leaves behind is cleaned up by the next one.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $env:ONEDRIVE_OFFSITE_HOME = $script:ConfigHome
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName

    function New-RandomFile([string] $Path, [int] $MiB, [int] $Seed) {
        $buffer = [byte[]]::new(1MB); $rng = [Random]::new($Seed)
        $fs = [IO.File]::Create($Path)
        try { for ($i = 0; $i -lt $MiB; $i++) { $rng.NextBytes($buffer); $fs.Write($buffer, 0, $buffer.Length) } } finally { $fs.Dispose() }
    }

    # Starts a command in a second pwsh, waits until $Until returns true, then kills it (SIGKILL: no cleanup runs).
    function Invoke-Killed([string] $Command, [scriptblock] $Until) {
        $full = "Import-Module '$script:Module'; `$env:ONEDRIVE_OFFSITE_HOME = '$script:ConfigHome'; $Command"
        $process = Start-Process -FilePath (Get-TestPwsh) -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $full -PassThru
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        do { Start-Sleep -Milliseconds 20 } until ((& $Until) -or $process.HasExited -or [DateTime]::UtcNow -gt $deadline)
        $process.HasExited | Should -BeFalse -Because 'the command must still be running when it is killed'
        Stop-Process -Id $process.Id -Force
        $process.WaitForExit()
    }

    # Overwrites $Count bytes at $Offset with other bytes, keeping the size and the modification time (like cp -p).
    function Set-BytesKeepingTime([string] $Path, [long] $Offset, [int] $Count) {
        $item = Get-Item -LiteralPath $Path
        $mtime = $item.LastWriteTimeUtc
        $fs = [IO.File]::Open($Path, 'Open', 'ReadWrite')
        try {
            $old = [byte[]]::new($Count); $fs.Position = $Offset; $fs.ReadExactly($old, 0, $Count)
            for ($i = 0; $i -lt $Count; $i++) { $old[$i] = $old[$i] -bxor 0x5A }
            $fs.Position = $Offset; $fs.Write($old, 0, $Count)
        }
        finally { $fs.Dispose() }
        $item.LastWriteTimeUtc = $mtime
        (Get-Item -LiteralPath $Path).LastWriteTimeUtc | Should -Be $mtime
    }
}

Describe 'A resumed backup is proven against the source' {
    It 'detects a stored part whose source range changed with the same size and time, stores it again, and restores the new bytes exactly' {
        $source = Join-Path $TestDrive 'vzdump-qemu-102.vma'
        New-RandomFile -Path $source -MiB 96 -Seed 7
        Invoke-Killed -Command "Start-OffsiteBackup -LiteralPath '$source' -Name changed -Repository '$script:Repo' -Format 1 -PartSize 1MB -ThrottleLimit 1 -NoNotification" `
            -Until { @(Get-ChildItem -LiteralPath (Join-Path $script:Repo 'changed') -Recurse -Filter 'part-*.oop' -File -ErrorAction Ignore).Count -ge 8 }
        (Get-OffsiteBackup -Name changed -Repository $script:Repo).State | Should -Be 'Resumable'

        # Part 2 (bytes 2 MiB..3 MiB) was stored and recorded before the kill; change it behind the journal's back.
        Set-BytesKeepingTime -Path $source -Offset (2MB + 4096) -Count 100

        $verbose = Start-OffsiteBackup -LiteralPath $source -Name changed -Repository $script:Repo -Format 1 -PartSize 1MB -NoNotification -Verbose 4>&1
        $snapshot = $verbose | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        $messages = ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        ($messages -match '^Resuming snapshot') | Should -Not -BeNullOrEmpty
        ($messages -match '^part-00002\.oop no longer matches the source') | Should -Not -BeNullOrEmpty
        ($messages -match '^Stored part-00002\.oop') | Should -Not -BeNullOrEmpty
        ($messages -match '^part-00001\.oop no longer matches') | Should -BeNullOrEmpty
        @(Get-ChildItem -LiteralPath $script:Repo -Recurse -File -Filter '*.partial').Count | Should -Be 0

        $out = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'out-changed')).FullName
        $restored = $snapshot | Restore-OffsiteBackup -Destination $out -NoNotification
        (Get-FileHash $restored.FullName).Hash | Should -Be (Get-FileHash $source).Hash
        ($snapshot | Test-OffsiteBackup -Full).Passed | Should -BeTrue
    }
}

Describe 'A snapshot is bound to its set and folder name' {
    BeforeAll {
        $script:Small = Join-Path $TestDrive 'db.dump'
        New-RandomFile -Path $script:Small -MiB 1 -Seed 3
        $script:Original = Start-OffsiteBackup -LiteralPath $script:Small -Name alpha -Repository $script:Repo -Format 1 -NoNotification
        $script:OriginalDir = Join-Path $script:Repo "alpha/$($script:Original.SnapshotId)"
    }

    It 'refuses a snapshot copied into another set with SnapshotMisplaced naming both, and writes no file' {
        $betaDir = New-Item -ItemType Directory -Force -Path (Join-Path $script:Repo 'beta')
        Copy-Item -LiteralPath $script:OriginalDir -Destination $betaDir -Recurse
        $out = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'out-beta')).FullName

        $err = $null
        $null = Restore-OffsiteBackup -Name beta -Repository $script:Repo -Destination $out -NoNotification -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotMisplaced,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].Exception.Message | Should -Match "set 'alpha'"
        $err[0].Exception.Message | Should -Match "beta/$($script:Original.SnapshotId)"
        @(Get-ChildItem -LiteralPath $out -Force).Count | Should -Be 0

        $err = $null
        $null = Test-OffsiteBackup -Name beta -Repository $script:Repo -Full -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotMisplaced,*'

        $listed = Get-OffsiteBackup -Name beta -Repository $script:Repo
        $listed.Note | Should -Match 'is alpha/.* according to its manifest'
        $listed.Sha256 | Should -BeNullOrEmpty
    }

    It 'refuses an old snapshot renamed to look newer (rollback) with SnapshotMisplaced' {
        $renamed = '29991231T235959999Z-' + $script:Original.SnapshotId.Split('-')[1]
        Copy-Item -LiteralPath $script:OriginalDir -Destination (Join-Path $script:Repo "alpha/$renamed") -Recurse
        $out = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'out-rollback')).FullName

        $err = $null
        $null = Restore-OffsiteBackup -Name alpha -Repository $script:Repo -Destination $out -NoNotification -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotMisplaced,*'
        $err[0].Exception.Message | Should -Match $renamed
        $err[0].Exception.Message | Should -Match $script:Original.SnapshotId
        @(Get-ChildItem -LiteralPath $out -Force).Count | Should -Be 0

        # The snapshot in its rightful place still restores.
        $ok = Restore-OffsiteBackup -Name alpha -SnapshotId $script:Original.SnapshotId -Repository $script:Repo -Destination $out -NoNotification
        (Get-FileHash $ok.FullName).Hash | Should -Be (Get-FileHash $script:Small).Hash
    }
}

Describe 'Leftovers of a killed restore' {
    It 'removes the hidden partial file a killed restore left in the destination folder' {
        $source = Join-Path $TestDrive 'big-restore.vma'
        New-RandomFile -Path $source -MiB 64 -Seed 11
        $snapshot = Start-OffsiteBackup -LiteralPath $source -Name leftover -Repository $script:Repo -Format 1 -PartSize 1MB -NoNotification
        $out = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'out-leftover')).FullName
        Invoke-Killed -Command "Restore-OffsiteBackup -Name leftover -Repository '$script:Repo' -Destination '$out' -ThrottleLimit 1 -NoNotification" `
            -Until { @(Get-ChildItem -LiteralPath $out -Force -Filter '.*oo-partial*').Count -gt 0 }
        @(Get-ChildItem -LiteralPath $out -Force -Filter '.*oo-partial*').Count | Should -Be 1

        $restored = Restore-OffsiteBackup -Name leftover -Repository $script:Repo -Destination $out -NoNotification
        (Get-FileHash $restored.FullName).Hash | Should -Be (Get-FileHash $source).Hash
        @(Get-ChildItem -LiteralPath $out -Force -Filter '.*oo-partial*').Count | Should -Be 0
    }
}
