#Requires -Version 7.4
# End-to-end behaviour of the built module on a local repository (imported from output/, see build.ps1).

BeforeAll {
    Import-Module $env:ONEDRIVE_OFFSITE_MODULE -Force
    $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'home'
    $script:Key = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $script:Src = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'src')).FullName

    function New-TestFile([string] $Name, [int] $Size, [switch] $Text) {
        $path = Join-Path $script:Src $Name
        if ($Text) {
            $line = [Text.Encoding]::UTF8.GetBytes("log line for compression tests äöü`n")
            $bytes = [byte[]]::new($Size); for ($i = 0; $i -lt $Size; $i++) { $bytes[$i] = $line[$i % $line.Length] }
        } else {
            $bytes = [byte[]]::new($Size); [Random]::new($Size).NextBytes($bytes)
        }
        [IO.File]::WriteAllBytes($path, $bytes)
        Get-Item -LiteralPath $path
    }
    function New-OutDir { (New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))).FullName }
}

Describe 'New-OffsiteKey' {
    It 'returns the key id and an owner-only key file, without the key' {
        $script:Key.KeyId | Should -Match '^[0-9a-f]{16}$'
        $script:Key.Path | Should -Exist
        ($script:Key | Out-String) | Should -Not -Match 'OOK[12]-'
    }
    It 'writes the key file with mode 0600' -Skip:$IsWindows {
        (Get-Item $script:Key.Path).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
    }
    It 'refuses to replace the key without -Force' {
        { New-OffsiteKey -ErrorAction Stop } | Should -Throw -ErrorId 'KeyExists,OnedriveOffsite.Commands.NewOffsiteKeyCommand'
        (Get-Content $script:Key.Path -Raw) | Should -Match '^OOK2-'
    }
    It 'imports a saved text form into another config home' {
        $text = ConvertTo-SecureString (Get-Content $script:Key.Path -Raw).Trim() -AsPlainText -Force
        $other = Join-Path $TestDrive 'home2'
        (New-OffsiteKey -FromText $text -ConfigPath $other -WarningAction SilentlyContinue).KeyId | Should -Be $script:Key.KeyId
    }
}

Describe 'Start-OffsiteBackup and Restore-OffsiteBackup' {
    It 'backs up several files piped from Get-ChildItem and restores each bit-exactly' {
        $files = @(
            New-TestFile 'a.bin' 1
            New-TestFile 'b with space.log' 300000 -Text
            New-TestFile 'c-ünïcødé.bin' 700000
        )
        $snapshots = Get-ChildItem -LiteralPath $script:Src -File | Start-OffsiteBackup -Name piped -Repository $script:Repo -Format 1 -PartSize 128KB
        $snapshots | Should -HaveCount 3
        $snapshots | ForEach-Object { $_.State | Should -Be 'Complete'; $_.KeyId | Should -Be $script:Key.KeyId }
        ($snapshots | Where-Object SourceName -eq 'c-ünïcødé.bin').Parts | Should -Be 6
        $out = New-OutDir
        $restored = Get-OffsiteBackup -Name piped -Repository $script:Repo | Restore-OffsiteBackup -Destination $out
        $restored | Should -HaveCount 3
        foreach ($f in $files) {
            (Get-FileHash (Join-Path $out $f.Name)).Hash | Should -Be (Get-FileHash $f.FullName).Hash
        }
    }

    It 'restores the newest snapshot by set name, or a chosen one, to a file path' {
        $f = New-TestFile 'versions.bin' 5000
        $firstHash = (Get-FileHash $f.FullName -Algorithm SHA256).Hash
        $first = Start-OffsiteBackup -LiteralPath $f.FullName -Name versions -Repository $script:Repo
        [IO.File]::WriteAllText($f.FullName, 'second version')
        $null = Start-OffsiteBackup -Path $f.FullName -Name versions -Repository $script:Repo
        $out = New-OutDir
        Restore-OffsiteBackup -Name versions -Repository $script:Repo -Destination (Join-Path $out 'latest.txt') | Should -Exist
        Get-Content (Join-Path $out 'latest.txt') -Raw | Should -Be 'second version'
        Restore-OffsiteBackup -Name versions -SnapshotId $first.SnapshotId -Repository $script:Repo -Destination (Join-Path $out 'first.bin')
        (Get-FileHash (Join-Path $out 'first.bin') -Algorithm SHA256).Hash | Should -Be $firstHash
    }

    It 'lists snapshots with -Latest and shows a table view' {
        $latest = Get-OffsiteBackup -Repository $script:Repo -Latest
        ($latest | Where-Object Name -eq 'versions') | Should -HaveCount 1
        (Get-OffsiteBackup -Repository $script:Repo | Format-Table | Out-String) | Should -Match 'Created \(UTC\)'
        (Get-OffsiteBackup -Repository $script:Repo | Format-Table -View Wide | Out-String -Width 132) | Should -Match 'SnapshotId'
    }

    It 'changes nothing with -WhatIf' {
        $f = New-TestFile 'whatif.bin' 1000
        Start-OffsiteBackup -LiteralPath $f.FullName -Name whatif -Repository $script:Repo -WhatIf | Should -BeNullOrEmpty
        Join-Path $script:Repo 'whatif' | Should -Not -Exist
        $out = New-OutDir
        Restore-OffsiteBackup -Name versions -Repository $script:Repo -Destination $out -WhatIf
        Get-ChildItem $out -Force | Should -BeNullOrEmpty
    }

    It 'reports progress with rate, no ETA during the warm-up, completes it, and narrates with -Verbose' {
        $f = New-TestFile 'progress.bin' 3MB
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$env:ONEDRIVE_OFFSITE_MODULE'; `$env:ONEDRIVE_OFFSITE_HOME = '$env:ONEDRIVE_OFFSITE_HOME'; Start-OffsiteBackup -LiteralPath '$($f.FullName)' -Name progress -Repository '$($script:Repo)' -Format 1 -PartSize 1MB -Verbose")
            $result = $ps.Invoke()
            $result | Should -HaveCount 1
            $ps.Streams.Error | Should -BeNullOrEmpty
            $progress = $ps.Streams.Progress
            $parent = $progress | Where-Object ActivityId -eq 0
            $parent | Should -Not -BeNullOrEmpty
            $processing = @($parent | Where-Object RecordType -eq 'Processing')
            $processing[0].StatusDescription | Should -Match '\d+(\.\d+)? \w*B/s'
            # ETA: none at the start (the first seconds of a run say nothing about its rate; see Progress.Tests.ps1).
            $processing[0].SecondsRemaining | Should -Be -1
            @($processing | Where-Object { $_.PercentComplete -lt 0 -or $_.PercentComplete -gt 100 }) | Should -BeNullOrEmpty
            ($parent | Select-Object -Last 1).RecordType | Should -Be 'Completed'
            ($progress | Where-Object ParentActivityId -eq 0 | Where-Object RecordType -eq 'Completed') | Should -Not -BeNullOrEmpty
            ($ps.Streams.Verbose.Message -join "`n") | Should -Match 'Stored part-00002.oop'
        } finally { $ps.Dispose() }
    }
}

Describe 'Errors: specific ids, nothing changed' {
    BeforeAll {
        $f = New-TestFile 'errors.txt' 10
        [IO.File]::WriteAllText($f.FullName, 'second version')
        $null = Start-OffsiteBackup -LiteralPath $f.FullName -Name versions -Repository $script:Repo
    }
    It 'a missing source' {
        { Start-OffsiteBackup -LiteralPath (Join-Path $TestDrive 'missing.bin') -Name s -Repository $script:Repo -ErrorAction Stop } |
            Should -Throw -ErrorId 'SourceNotFound,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        { Start-OffsiteBackup -Path (Join-Path $TestDrive 'missing*.bin') -Name s -Repository $script:Repo -ErrorAction Stop } |
            Should -Throw -ErrorId 'SourceNotFound,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
    }
    It 'a directory as source' {
        { Start-OffsiteBackup -LiteralPath $script:Src -Name s -Repository $script:Repo -ErrorAction Stop } |
            Should -Throw -ErrorId 'SourceIsDirectory,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
    }
    It 'an invalid set name' {
        $f = New-TestFile 'x.bin' 10
        { Start-OffsiteBackup -LiteralPath $f.FullName -Name '../evil' -Repository $script:Repo -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSetName,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        Join-Path $TestDrive 'evil' | Should -Not -Exist
    }
    It 'an existing destination without -Force, and -Force replaces it' {
        $out = New-OutDir
        $target = Join-Path $out 'exists.txt'
        Set-Content $target 'keep'
        { Restore-OffsiteBackup -Name versions -Repository $script:Repo -Destination $target -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationExists,OnedriveOffsite.Commands.RestoreOffsiteBackupCommand'
        Get-Content $target | Should -Be 'keep'
        Restore-OffsiteBackup -Name versions -Repository $script:Repo -Destination $target -Force | Should -Exist
        Get-Content $target -Raw | Should -Be 'second version'
    }
    It 'a missing key' {
        $f = New-TestFile 'nokey.bin' 10
        { Start-OffsiteBackup -LiteralPath $f.FullName -Name nokey -Repository $script:Repo -ConfigPath (Join-Path $TestDrive 'empty-home') -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyNotFound,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        Join-Path $script:Repo 'nokey' | Should -Not -Exist
    }
    It 'a repository directory that does not exist' {
        $f = New-TestFile 'norepo.bin' 10
        { Start-OffsiteBackup -LiteralPath $f.FullName -Name s -Repository (Join-Path $TestDrive 'not-mounted') -ErrorAction Stop } |
            Should -Throw -ErrorId 'RepositoryNotFound,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
    }
    It 'a snapshot made with another key names both key ids' {
        $other = Join-Path $TestDrive 'other-home'
        $otherKey = New-OffsiteKey -ConfigPath $other -WarningAction SilentlyContinue
        $out = New-OutDir
        { Restore-OffsiteBackup -Name versions -Repository $script:Repo -Destination $out -ConfigPath $other -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyMismatch,OnedriveOffsite.Commands.RestoreOffsiteBackupCommand' -ExpectedMessage "*$($script:Key.KeyId)*$($otherKey.KeyId)*"
        Get-ChildItem $out -Force | Should -BeNullOrEmpty
    }
    It 'a tampered part names the part and leaves no file' {
        $f = New-TestFile 'tamper.bin' 400000
        $s = Start-OffsiteBackup -LiteralPath $f.FullName -Name tamper -Repository $script:Repo -Format 1 -PartSize 128KB
        $part = Join-Path $script:Repo "tamper/$($s.SnapshotId)/part-00001.oop"
        $bytes = [IO.File]::ReadAllBytes($part); $bytes[200] = $bytes[200] -bxor 1; [IO.File]::WriteAllBytes($part, $bytes)
        $out = New-OutDir
        { $s | Restore-OffsiteBackup -Destination $out -ErrorAction Stop } |
            Should -Throw -ErrorId 'PartCorrupt,OnedriveOffsite.Commands.RestoreOffsiteBackupCommand' -ExpectedMessage '*part-00001.oop*'
        Get-ChildItem $out -Force | Should -BeNullOrEmpty
    }
    It 'an unknown format version' {
        $f = New-TestFile 'version.bin' 1000
        $s = Start-OffsiteBackup -LiteralPath $f.FullName -Name version -Repository $script:Repo
        $manifest = Join-Path $script:Repo "version/$($s.SnapshotId)/manifest.oom"
        $bytes = [IO.File]::ReadAllBytes($manifest); $bytes[4] = 9; [IO.File]::WriteAllBytes($manifest, $bytes)
        { $s | Restore-OffsiteBackup -Destination (New-OutDir) -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnsupportedFormatVersion,OnedriveOffsite.Commands.RestoreOffsiteBackupCommand' -ExpectedMessage '*version 9*'
    }
}

Describe 'Start-OffsiteBackup -RemoveSource' {
    It 'removes the source only after the snapshot is complete and verified' {
        $f = New-TestFile 'remove-me.bin' 300000
        $hash = (Get-FileHash $f.FullName).Hash
        $s = Start-OffsiteBackup -LiteralPath $f.FullName -Name removal -Repository $script:Repo -Format 1 -PartSize 128KB -RemoveSource -Verbose 4>&1
        $snapshot = $s | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        (($s | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n") | Should -Match 'verified \(Full\)'
        $f.FullName | Should -Not -Exist
        $restored = $snapshot | Restore-OffsiteBackup -Destination (New-OutDir)
        (Get-FileHash $restored.FullName).Hash | Should -Be $hash
    }
    It 'keeps the source with -WhatIf, with bad input, and when storing fails' {
        $f = New-TestFile 'keep-me.bin' 1000
        Start-OffsiteBackup -LiteralPath $f.FullName -Name removal -Repository $script:Repo -RemoveSource -WhatIf
        $f.FullName | Should -Exist
        { Start-OffsiteBackup -LiteralPath $f.FullName -Name '../bad' -Repository $script:Repo -RemoveSource -ErrorAction Stop } | Should -Throw
        { Start-OffsiteBackup -LiteralPath $f.FullName -Name removal -Repository (Join-Path $TestDrive 'unmounted') -RemoveSource -ErrorAction Stop } | Should -Throw
        # The repository cannot store the set: a file stands where its folder must go.
        Set-Content -LiteralPath (Join-Path $script:Repo 'blocked') -Value 'not a folder'
        { Start-OffsiteBackup -LiteralPath $f.FullName -Name blocked -Repository $script:Repo -RemoveSource -ErrorAction Stop } | Should -Throw
        $f.FullName | Should -Exist
        # A failed upload and a failed verification: OneDrive.Tests.ps1 ('keeps the source with -RemoveSource when ...').
    }
}

Describe 'Test-OffsiteBackup' {
    It 'passes an intact snapshot, quick and full, and reports a damaged part with -Full' {
        $f = New-TestFile 'verify.bin' 400000
        $s = Start-OffsiteBackup -LiteralPath $f.FullName -Name verify -Repository $script:Repo -Format 1 -PartSize 128KB
        ($s | Test-OffsiteBackup).Passed | Should -BeTrue
        $full = Test-OffsiteBackup -Name verify -Repository $script:Repo -Full
        $full.Passed | Should -BeTrue
        $full.Depth | Should -Be 'Full'
        $part = Join-Path $script:Repo "verify/$($s.SnapshotId)/part-00002.oop"
        $bytes = [IO.File]::ReadAllBytes($part); $bytes[150] = $bytes[150] -bxor 4; [IO.File]::WriteAllBytes($part, $bytes)
        ($s | Test-OffsiteBackup).Passed | Should -BeTrue -Because 'a flipped byte keeps the size: only -Full reads the content'
        $result = $s | Test-OffsiteBackup -Full -ErrorVariable failure -ErrorAction SilentlyContinue
        $result.Passed | Should -BeFalse
        $result.Problems -join ' ' | Should -Match 'part-00002.oop'
        $failure.FullyQualifiedErrorId | Should -Be 'VerificationFailed,OnedriveOffsite.Commands.TestOffsiteBackupCommand'
        Remove-Item $part
        ($s | Test-OffsiteBackup -ErrorAction SilentlyContinue).Problems -join ' ' | Should -Match 'part-00002.oop is missing'
    }
}

Describe 'Remove-OffsiteBackup' {
    BeforeAll {
        $script:Kept = foreach ($i in 1..4) {
            $f = New-TestFile "retention-$i.bin" 1000
            Start-OffsiteBackup -LiteralPath $f.FullName -Name retention -Repository $script:Repo
        }
    }
    It 'changes nothing with -WhatIf' {
        Remove-OffsiteBackup -Name retention -Repository $script:Repo -KeepLast 1 -WhatIf
        Get-OffsiteBackup -Name retention -Repository $script:Repo | Should -HaveCount 4
    }
    It 'keeps the newest snapshots with -KeepLast' {
        $removed = Remove-OffsiteBackup -Name retention -Repository $script:Repo -KeepLast 2 -Force -PassThru
        $removed.SnapshotId | Should -Be $script:Kept[0..1].SnapshotId
        (Get-OffsiteBackup -Name retention -Repository $script:Repo).SnapshotId | Should -Be $script:Kept[2..3].SnapshotId
    }
    It 'deletes piped snapshots, and deletes nothing without a snapshot id or a rule' {
        Get-OffsiteBackup -Name retention -Repository $script:Repo | Select-Object -First 1 | Remove-OffsiteBackup -Force
        (Get-OffsiteBackup -Name retention -Repository $script:Repo).SnapshotId | Should -Be $script:Kept[3].SnapshotId
        { Remove-OffsiteBackup -Name retention -Repository $script:Repo -Force -ErrorAction Stop } | Should -Throw
        { Remove-OffsiteBackup -Name retention -SnapshotId 'nope' -Repository $script:Repo -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'SnapshotNotFound,OnedriveOffsite.Commands.RemoveOffsiteBackupCommand'
        Get-OffsiteBackup -Name retention -Repository $script:Repo | Should -HaveCount 1
    }
}
