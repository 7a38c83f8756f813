#Requires -Version 7.4
# Backups made by the old Python service, from a local copy of its OneDrive folder (tests/data/legacy).

BeforeAll {
    Import-Module $env:ONEDRIVE_OFFSITE_MODULE -Force
    $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'home'
    $script:Fixture = Join-Path $PSScriptRoot '../data/legacy'
    $script:Repo = Join-Path $TestDrive 'approot'
    $null = New-Item -ItemType Directory $script:Repo
    Copy-Item -Recurse (Join-Path $script:Fixture 'sample_multi') $script:Repo
    $script:KeyFile = Join-Path $script:Fixture 'onedrive-offsite.key'
    $script:Original = Join-Path $script:Fixture 'sample_multi.original.bin'
}

Describe 'Restore-OffsiteBackup -Legacy' {
    It 'restores the old service''s sample bit-exactly, verified against its hash file' {
        $dest = Join-Path $TestDrive 'restored.bin'
        $file = Restore-OffsiteBackup -Legacy -Name sample_multi -Repository $script:Repo -LegacyKeyPath $script:KeyFile `
            -Sha256File (Join-Path $script:Fixture 'sha256hash_sample_multi') -Destination $dest
        $file.FullName | Should -Be $dest
        (Get-FileHash $dest).Hash | Should -Be (Get-FileHash $script:Original).Hash
    }
    It 'warns when no whole-file hash is available' {
        $dest = Join-Path $TestDrive 'unverified.bin'
        $null = Restore-OffsiteBackup -Legacy -Name sample_multi -Repository $script:Repo -LegacyKeyPath $script:KeyFile -Destination $dest -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join ' ') | Should -Match 'not checked against'
        (Get-FileHash $dest).Hash | Should -Be (Get-FileHash $script:Original).Hash
    }
    It 'fails with LegacyHashMismatch on a wrong expected hash and leaves no file' {
        $dest = Join-Path $TestDrive 'wrong-hash.bin'
        { Restore-OffsiteBackup -Legacy -Name sample_multi -Repository $script:Repo -LegacyKeyPath $script:KeyFile -Destination $dest `
            -ExpectedSha256 ('0' * 64) -ErrorAction Stop } | Should -Throw -ErrorId 'LegacyHashMismatch,OnedriveOffsite.Commands.RestoreOffsiteBackupCommand'
        $dest | Should -Not -Exist
        Get-ChildItem $TestDrive -Filter '.wrong-hash*' -Force | Should -BeNullOrEmpty
    }
    It 'fails with LegacyKeyMismatch on another key' {
        $otherKey = Join-Path $TestDrive 'other.key'
        [IO.File]::WriteAllText($otherKey, [Convert]::ToBase64String([byte[]](1..32)).Replace('+', '-').Replace('/', '_'))
        { Restore-OffsiteBackup -Legacy -Name sample_multi -Repository $script:Repo -LegacyKeyPath $otherKey -Destination (Join-Path $TestDrive 'k.bin') -ErrorAction Stop } |
            Should -Throw -ErrorId 'LegacyKeyMismatch,OnedriveOffsite.Commands.RestoreOffsiteBackupCommand'
    }
}

Describe 'Get-OffsiteBackup -Legacy' {
    It 'lists the old service''s backup folders' {
        $list = Get-OffsiteBackup -Legacy -Repository $script:Repo
        $list | Should -HaveCount 1
        $list.Name | Should -Be 'sample_multi'
        $list.Archives | Should -Be 3
        $list.StoredSize | Should -BeGreaterThan 0
    }
}
