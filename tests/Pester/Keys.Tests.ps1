#Requires -Version 7.4
# Keys as a user handles them: show, export, re-import with a typo, and a backup with another key (issue 9, item 7).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    Import-Module $env:ONEDRIVE_OFFSITE_MODULE -Force
    $script:HomeDir = Join-Path $TestDrive 'home'
    $script:Key = New-OffsiteKey -ConfigPath $script:HomeDir -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $script:Source = Join-Path $TestDrive 'dump.bin'
    $bytes = [byte[]]::new(300KB); [Random]::new(7).NextBytes($bytes)
    [IO.File]::WriteAllBytes($script:Source, $bytes)

    function ConvertTo-PlainText([securestring] $Secure) { [Net.NetworkCredential]::new('', $Secure).Password }
}

Describe 'Get-OffsiteKey' {
    It 'shows the key id and the key file, never the key text' {
        $info = Get-OffsiteKey -ConfigPath $script:HomeDir
        $info.KeyId | Should -Be $script:Key.KeyId
        $info.Path | Should -Be $script:Key.Path
        ($info | Format-List * | Out-String) | Should -Not -Match 'OOK[12]-'
    }
    It 'fails with KeyNotFound in a config home without a key' {
        { Get-OffsiteKey -ConfigPath (Join-Path $TestDrive 'empty-home') -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyNotFound,OnedriveOffsite.Commands.GetOffsiteKeyCommand'
    }
}

Describe 'Export-OffsiteKey' {
    It 'writes the OOK2- text form to a new owner-only file that imports as the same key' {
        $file = Join-Path $TestDrive 'copy.txt'
        $out = Export-OffsiteKey -Path $file -ConfigPath $script:HomeDir
        $out.KeyId | Should -Be $script:Key.KeyId
        $out.Path | Should -Be $file
        $text = (Get-Content -LiteralPath $file -Raw).Trim()
        $text | Should -Match '^OOK2-[A-Za-z0-9+/]{48}$'
        if (-not $IsWindows) { (Get-Item $file).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        $imported = New-OffsiteKey -FromText (ConvertTo-SecureString $text -AsPlainText -Force) -ConfigPath (Join-Path $TestDrive 'home-import') -WarningAction SilentlyContinue
        $imported.KeyId | Should -Be $script:Key.KeyId
    }
    It 'never replaces an existing file without -Force' {
        $file = Join-Path $TestDrive 'existing.txt'
        Set-Content -LiteralPath $file -Value 'keep me'
        { Export-OffsiteKey -Path $file -ConfigPath $script:HomeDir -ErrorAction Stop } |
            Should -Throw -ErrorId 'DestinationExists,OnedriveOffsite.Commands.ExportOffsiteKeyCommand'
        (Get-Content -LiteralPath $file -Raw).Trim() | Should -Be 'keep me'
        (Export-OffsiteKey -Path $file -ConfigPath $script:HomeDir -Force).KeyId | Should -Be $script:Key.KeyId
        (Get-Content -LiteralPath $file -Raw) | Should -Match '^OOK2-'
    }
    It 'returns the text form as a SecureString and writes nothing' {
        $before = @(Get-ChildItem -LiteralPath $TestDrive -Recurse -File).Count
        $secure = Export-OffsiteKey -AsSecureString -ConfigPath $script:HomeDir
        $secure | Should -BeOfType [securestring]
        ConvertTo-PlainText $secure | Should -Be (Get-Content -LiteralPath $script:Key.Path -Raw).Trim()
        @(Get-ChildItem -LiteralPath $TestDrive -Recurse -File).Count | Should -Be $before
    }
}

Describe 'Importing a mistyped key copy' {
    It 'is refused with KeyChecksumMismatch and leaves the config home without a key' {
        $text = ConvertTo-PlainText (Export-OffsiteKey -AsSecureString -ConfigPath $script:HomeDir)
        $swap = if ($text[20] -ceq 'Q') { 'R' } else { 'Q' }
        $typo = $text.Substring(0, 20) + $swap + $text.Substring(21)
        $target = Join-Path $TestDrive 'home-typo'
        { New-OffsiteKey -FromText (ConvertTo-SecureString $typo -AsPlainText -Force) -ConfigPath $target -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyChecksumMismatch,OnedriveOffsite.Commands.NewOffsiteKeyCommand'
        Join-Path $target 'offsite.key' | Should -Not -Exist
    }
    It 'still accepts an OOK1- text from an older version' {
        $old = 'OOK1-AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
        $info = New-OffsiteKey -FromText (ConvertTo-SecureString $old -AsPlainText -Force) -ConfigPath (Join-Path $TestDrive 'home-ook1') -WarningAction SilentlyContinue
        $info.KeyId | Should -Match '^[0-9a-f]{16}$'
    }
}

Describe 'Start-OffsiteBackup -Format 1 into a set made with another key' {
    It 'fails with KeyMismatch naming both key ids and stores nothing, and -AllowKeyChange goes ahead' {
        $first = Start-OffsiteBackup -LiteralPath $script:Source -Name keyset -Repository $script:Repo -ConfigPath $script:HomeDir -Format 1 -NoNotification
        $otherHome = Join-Path $TestDrive 'home-other'
        $other = New-OffsiteKey -ConfigPath $otherHome -WarningAction SilentlyContinue

        { Start-OffsiteBackup -LiteralPath $script:Source -Name keyset -Repository $script:Repo -ConfigPath $otherHome -Format 1 -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyMismatch,OnedriveOffsite.Commands.StartOffsiteBackupCommand' -ExpectedMessage "*$($script:Key.KeyId)*$($other.KeyId)*"
        @(Get-ChildItem -LiteralPath (Join-Path $script:Repo 'keyset') -Directory).Count | Should -Be 1

        $changed = Start-OffsiteBackup -LiteralPath $script:Source -Name keyset -Repository $script:Repo -ConfigPath $otherHome -Format 1 -NoNotification -AllowKeyChange
        $changed.KeyId | Should -Be $other.KeyId
        @(Get-ChildItem -LiteralPath (Join-Path $script:Repo 'keyset') -Directory).Count | Should -Be 2
        $first.KeyId | Should -Be $script:Key.KeyId
    }
}

Describe 'Format 2 and stream backups into a set made with another key' {
    It 'refuse with KeyMismatch before the command runs, and -AllowKeyChange lets a stream go ahead' {
        $null = Start-OffsiteBackup -LiteralPath $script:Source -Name keyset2 -Repository $script:Repo -ConfigPath $script:HomeDir -Format 1 -NoNotification
        $otherHome = Join-Path $TestDrive 'home-other2'
        $other = New-OffsiteKey -ConfigPath $otherHome -WarningAction SilentlyContinue
        $marker = Join-Path $TestDrive 'command-ran'
        $command = @((Get-TestPwsh), '-NoProfile', '-Command', "New-Item -ItemType File '$marker' | Out-Null; 'data'")
        $before = @(Get-ChildItem -LiteralPath (Join-Path $script:Repo 'keyset2') -Recurse -File).Count

        { Start-OffsiteBackup -LiteralPath $script:Source -Name keyset2 -Repository $script:Repo -ConfigPath $otherHome -Format 2 -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyMismatch,OnedriveOffsite.Commands.StartOffsiteBackupCommand' -ExpectedMessage "*$($script:Key.KeyId)*$($other.KeyId)*"
        { Start-OffsiteBackup -FromCommand $command -SourceName dump.txt -Name keyset2 -Repository $script:Repo -ConfigPath $otherHome -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyMismatch,OnedriveOffsite.Commands.StartOffsiteBackupCommand' -ExpectedMessage "*$($script:Key.KeyId)*$($other.KeyId)*"
        { Start-OffsiteBackup -FromCommand $command -SourceName dump.txt -Name keyset2 -Repository $script:Repo -ConfigPath $otherHome -Format 1 -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyMismatch,OnedriveOffsite.Commands.StartOffsiteBackupCommand' -ExpectedMessage "*$($script:Key.KeyId)*$($other.KeyId)*"
        $marker | Should -Not -Exist
        @(Get-ChildItem -LiteralPath (Join-Path $script:Repo 'keyset2') -Recurse -File).Count | Should -Be $before

        $changed = Start-OffsiteBackup -FromCommand $command -SourceName dump.txt -Name keyset2 -Repository $script:Repo -ConfigPath $otherHome -NoNotification -AllowKeyChange
        $changed.KeyId | Should -Be $other.KeyId
        $marker | Should -Exist
    }
}
