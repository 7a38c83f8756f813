#Requires -Version 7.4
# What a person sees (issue 14, items 2 and 3): tables that fit 80 columns, logs without colour codes, listings in
# the order the README's examples rely on, and outputs that say what happened. Rendered text is captured with
# Out-String -Width 80 (the width of a small terminal), redirected output from a child pwsh.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Manifest = Get-TestModuleManifest
    Import-Module $script:Manifest -Force
    $script:OldHome = $env:ONEDRIVE_OFFSITE_HOME
    $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'home'
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $script:Src = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'src')).FullName
    $script:VzdumpName = 'vzdump-qemu-101-2026_12_01-02_00_00.vma.zst'

    function New-SourceFile([string] $Name, [int] $Size, [switch] $Text, [int] $Seed = 1) {
        $path = Join-Path $script:Src $Name
        if ($Text) {
            $line = [Text.Encoding]::UTF8.GetBytes("2026-12-01 02:00:00 INFO replication of table orders finished`n")
            $bytes = [byte[]]::new($Size); for ($i = 0; $i -lt $Size; $i++) { $bytes[$i] = $line[$i % $line.Length] }
        } else {
            $bytes = [byte[]]::new($Size); [Random]::new($Seed).NextBytes($bytes)
        }
        [IO.File]::WriteAllBytes($path, $bytes)
        Get-Item -LiteralPath $path
    }
    function New-OutDir { (New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))).FullName }
    function Format-Size([long] $Bytes) { [OnedriveOffsite.Infrastructure.Sizes]::Format($Bytes) }
    # Runs a script in a child `pwsh -NonInteractive -File` whose standard output and error go to one file, as cron's
    # `pwsh -File nightly.ps1 >> offsite.log 2>&1` does (on Windows into pipes, copied to the file); returns the bytes.
    function Invoke-RedirectedPwsh([string] $Script) {
        $file = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('N')).ps1"
        $log = "$file.log"
        Set-Content -LiteralPath $file -Value $Script
        if ($IsWindows) {
            $psi = [Diagnostics.ProcessStartInfo]::new((Get-TestPwsh))
            foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $psi.ArgumentList.Add($a) }
            $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true; $psi.UseShellExecute = $false
            $p = [Diagnostics.Process]::Start($psi)
            $err = $p.StandardError.ReadToEndAsync()
            $out = $p.StandardOutput.ReadToEnd()
            $p.WaitForExit()
            [IO.File]::WriteAllText($log, $out + $err.Result)
        } else {
            $psi = [Diagnostics.ProcessStartInfo]::new('/bin/sh')
            $psi.ArgumentList.Add('-c')
            $psi.ArgumentList.Add('"$0" -NoProfile -NonInteractive -File "$1" > "$2" 2>&1')
            foreach ($a in (Get-TestPwsh), $file, $log) { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $p = [Diagnostics.Process]::Start($psi)
            $p.WaitForExit()
        }
        $bytes = [IO.File]::ReadAllBytes($log)
        if ($p.ExitCode -ne 0) { throw "The child pwsh exited with $($p.ExitCode): $([Text.Encoding]::UTF8.GetString($bytes))" }
        , $bytes
    }

    $vzdump = New-SourceFile $script:VzdumpName (300KB) -Seed 101
    $script:Vm = Start-OffsiteBackup -LiteralPath $vzdump.FullName -Name pve-101 -Repository $script:Repo -Format 1 -PartSize 128KB -NoNotification
    $dump = New-SourceFile 'main.dump' (400KB) -Text
    $script:Db = Start-OffsiteBackup -LiteralPath $dump.FullName -Name pg-main -Repository $script:Repo -NoNotification
    # An interrupted run as a listing sees it: parts without a manifest.
    $script:IncompleteId = '20261203T020000000Z-0badf00d'
    $incomplete = New-Item -ItemType Directory -Path (Join-Path $script:Repo "pve-101/$($script:IncompleteId)")
    Get-ChildItem -LiteralPath (Join-Path $script:Repo "pve-101/$($script:Vm.SnapshotId)") -Filter 'part-*' | Select-Object -First 1 |
        Copy-Item -Destination $incomplete.FullName
}

AfterAll {
    $env:ONEDRIVE_OFFSITE_HOME = $script:OldHome
}

Describe 'Get-OffsiteBackup table' {
    BeforeAll {
        $script:Listed = Get-OffsiteBackup -Repository $script:Repo
        $script:Text = $script:Listed | Out-String -Width 80
        $script:Lines = $script:Text -split "`r?`n"
    }

    It 'fits 80 columns with whole headers: created time, state, size, stored size and source' {
        $script:Lines | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        @($script:Lines | Where-Object { $_ -match '^Created \(UTC\)\s+State\s+Size\s+Stored\s+Source$' }) | Should -HaveCount 2
    }

    It 'shows each snapshot''s time, state, sizes and source on one row (stored: format 1 its parts, format 2 +what it added)' {
        @($script:Listed | Where-Object State -eq 'Complete').Format | Sort-Object -Unique | Should -Be @(1, 2)
        foreach ($s in $script:Listed | Where-Object State -eq 'Complete') {
            $stored = $s.Format -eq 2 ? '+' + (Format-Size $s.AddedSize) : (Format-Size $s.StoredSize)
            $row = '^' + $s.Created.ToString('yyyy-MM-dd HH:mm:ss') + ' Complete\s+' + [regex]::Escape((Format-Size $s.SourceSize)) + '\s+' +
                [regex]::Escape($stored) + ' ' + [regex]::Escape([OnedriveOffsite.Infrastructure.ViewText]::SourceName($s.SourceName)) + '\s*$'
            @($script:Lines -match $row) | Should -HaveCount 1 -Because "$($s.Name)/$($s.SnapshotId) has one row"
        }
        $script:Lines | Where-Object { $_ -match '^2026-12-03 02:00:00 Incomplete\s+\S+ \S+ *$' } | Should -HaveCount 1
    }

    It 'cuts a long source name from the middle and keeps its date' {
        $script:Text | Should -Match ([regex]::Escape('vz…2026_12_01-02_00_00.vma.zst'))
        $script:Text | Should -Match ' main\.dump'
    }

    It 'shows the snapshot id, parts, compression and key id in the Wide view, within 132 columns' {
        $wide = $script:Listed | Format-Table -View Wide | Out-String -Width 132
        ($wide -split "`r?`n") | Where-Object { $_.Length -gt 132 } | Should -BeNullOrEmpty
        foreach ($s in $script:Vm, $script:Db) {
            $wide | Should -Match ([regex]::Escape($s.SnapshotId) + '\s+Complete\s+\S+ \S+\s+\S+ \S+\s+' + $s.Parts + ' ' + [regex]::Escape($s.Compression) + '\s+' + $s.KeyId + ' ')
        }
        $wide | Should -Match ([regex]::Escape('vzdump-qem…2026_12_01-02_00_00.vma.zst'))
    }

    It 'lists a set oldest first, so Select-Object -Last 1 is the snapshot a restore picks without -SnapshotId' {
        $f = New-SourceFile 'order.bin' (10KB) -Seed 7
        $made = foreach ($i in 1..3) { Start-OffsiteBackup -LiteralPath $f.FullName -Name order -Repository $script:Repo -NoNotification }
        $listed = Get-OffsiteBackup -Name order -Repository $script:Repo
        $listed.SnapshotId | Should -Be $made.SnapshotId
        $restored = Restore-OffsiteBackup -Name order -Repository $script:Repo -Destination (New-OutDir) -NoNotification
        ($listed | Select-Object -Last 1).SnapshotId | Should -Be $restored.SnapshotId
        (Get-OffsiteBackup -Name order -Repository $script:Repo -Latest).SnapshotId | Should -Be $restored.SnapshotId
    }
}

Describe 'Source names cut from the middle' {
    It 'keeps <Expected> for <Name> in <Width> columns' -ForEach @(
        @{ Name = 'vzdump-qemu-101-2026_12_01-02_00_00.vma.zst'; Width = 30; Expected = 'vz…2026_12_01-02_00_00.vma.zst' }
        @{ Name = 'vzdump-qemu-101-2026_12_01-02_00_00.vma.zst'; Width = 38; Expected = 'vzdump-qem…2026_12_01-02_00_00.vma.zst' }
        @{ Name = 'vzdump-lxc-20001-2026-12-01T02:00:00.tar.zst'; Width = 30; Expected = 'vz…2026-12-01T02:00:00.tar.zst' }
        @{ Name = 'a-rather-long-database-dump-without-any-date.sql.zst'; Width = 30; Expected = 'a-rather-long-d…y-date.sql.zst' }
        @{ Name = 'main.dump'; Width = 30; Expected = 'main.dump' }
    ) {
        $short = [OnedriveOffsite.Infrastructure.ViewText]::SourceName($Name, $Width)
        $short | Should -BeExactly $Expected
        $short.Length | Should -BeLessOrEqual $Width
    }
}

Describe 'No colour codes in redirected output' {
    BeforeAll {
        $script:Show = @"
`$env:ONEDRIVE_OFFSITE_HOME = '$($env:ONEDRIVE_OFFSITE_HOME)'
Get-OffsiteBackup -Repository '$($script:Repo)'
Get-OffsiteBackup -Repository '$($script:Repo)' | Format-List Name, SnapshotId, Compression
Restore-OffsiteBackup -Name pg-main -Repository '$($script:Repo)' -Destination '$(Join-Path $TestDrive 'log-restore.dump')' -Force -NoNotification
Write-Warning 'a warning for the log'
Write-Error 'an error for the log'
exit 0
"@
    }

    It 'writes a nightly log with tables, lists, warnings and errors but no ESC byte' {
        # The check can fail: without the module, PowerShell writes colour codes into the same redirected output.
        $plain = Invoke-RedirectedPwsh ("[pscustomobject]@{ A = 1; B = 'x' } | Format-Table`n[pscustomobject]@{ A = 1 } | Format-List")
        $plain | Should -Contain ([byte]0x1B) -Because 'PowerShell 7.6 colours redirected table headers by itself'

        $bytes = Invoke-RedirectedPwsh ("Import-Module '$($script:Manifest)'`n" + $script:Show)
        $text = [Text.Encoding]::UTF8.GetString($bytes)
        $text | Should -Match 'Created \(UTC\)\s+State'
        $text | Should -Match 'SHA-256\s+: [0-9a-f]{64}'
        $text | Should -Match 'a warning for the log'
        $text | Should -Match 'an error for the log'
        $bytes | Should -Not -Contain ([byte]0x1B)
    }

    It 'leaves colours on when the user chose them ($PSStyle.OutputRendering = ''Ansi'')' {
        $bytes = Invoke-RedirectedPwsh ("`$PSStyle.OutputRendering = 'Ansi'`nImport-Module '$($script:Manifest)'`n" + $script:Show)
        $bytes | Should -Contain ([byte]0x1B)
    }
}

Describe 'Restore-OffsiteBackup output' {
    BeforeAll {
        $script:Out = New-OutDir
        $script:Restored = Restore-OffsiteBackup -Name pve-101 -Repository $script:Repo -Destination $script:Out -NoNotification
        $script:Source = Join-Path $script:Src $script:VzdumpName
    }

    It 'returns an OffsiteRestoreResult that shows destination, size, SHA-256, verified, duration and rate in 80 columns' {
        $script:Restored | Should -BeOfType 'OnedriveOffsite.Output.OffsiteRestoreResult'
        $text = $script:Restored | Out-String -Width 80
        ($text -split "`r?`n") | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        $text = $text -replace '\r?\n {14}(?=\S)', ''   # a long destination wraps under its value
        $path = Join-Path $script:Out $script:VzdumpName
        $text | Should -Match ('Destination : ' + [regex]::Escape($path))
        $text | Should -Match ('Size        : 300 KiB \(307200 bytes\)')
        $text | Should -Match ('SHA-256     : ' + (Get-FileHash -LiteralPath $script:Source).Hash.ToLowerInvariant())
        $text | Should -Match 'Verified    : True'
        $text | Should -Match 'Duration    : \d+(\.\d)? m?s\r?\n'
        $text | Should -Match 'Rate        : \d+\.\d MB/s'
        $text | Should -Match ('Snapshot    : pve-101/' + $script:Vm.SnapshotId)
    }

    It 'keeps what scripts used of the FileInfo it replaces: FullName, Name, Length, its path as text, piping into file cmdlets' {
        $path = Join-Path $script:Out $script:VzdumpName
        $hash = (Get-FileHash -LiteralPath $script:Source).Hash
        $script:Restored.FullName | Should -Be $path
        $script:Restored.Name | Should -Be $script:VzdumpName
        $script:Restored.Length | Should -Be (Get-Item -LiteralPath $path).Length
        "$($script:Restored)" | Should -Be $path
        $script:Restored | Should -Exist
        (Get-FileHash $script:Restored.FullName).Hash | Should -Be $hash
        ($script:Restored | Get-FileHash).Hash | Should -Be $hash
        $script:Restored.Sha256 | Should -Be $hash.ToLowerInvariant()
        $script:Restored.Verified | Should -BeTrue
        ($script:Restored | Format-List * | Out-String) | Should -Not -Match 'PSPath'
    }

    It 'returns the same object for -OutputStream, naming the stream as its destination' {
        $stream = [IO.MemoryStream]::new()
        $r = Restore-OffsiteBackup -Name pg-main -Repository $script:Repo -OutputStream $stream -NoNotification
        $r | Should -BeOfType 'OnedriveOffsite.Output.OffsiteRestoreResult'
        $r.Destination | Should -Be 'the output stream'
        $r.FullName | Should -BeNullOrEmpty
        $r.Length | Should -Be $stream.Length
        $r.Sha256 | Should -Be $script:Db.Sha256
        $r.Verified | Should -BeTrue
        $r.SnapshotId | Should -Be $script:Db.SnapshotId
    }

    It 'says a -Legacy restore was verified only when it was checked against an expected SHA-256' {
        $fixture = Join-Path $PSScriptRoot '../data/legacy'
        $approot = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'approot')).FullName
        Copy-Item -Recurse (Join-Path $fixture 'sample_multi') $approot
        $common = @{ Legacy = $true; Name = 'sample_multi'; Repository = $approot; LegacyKeyPath = (Join-Path $fixture 'onedrive-offsite.key') }
        $expected = (Get-FileHash -LiteralPath (Join-Path $fixture 'sample_multi.original.bin')).Hash
        $checked = Restore-OffsiteBackup @common -Destination (Join-Path $TestDrive 'legacy-checked.bin') -ExpectedSha256 $expected
        $unchecked = Restore-OffsiteBackup @common -Destination (Join-Path $TestDrive 'legacy-unchecked.bin') -WarningAction SilentlyContinue
        $checked.Verified | Should -BeTrue
        $unchecked.Verified | Should -BeFalse
        $unchecked.Sha256 | Should -Be $expected.ToLowerInvariant()
        ($unchecked | Out-String -Width 80) | Should -Match 'Verified    : False'
    }
}

Describe 'Compression and StoredSize say what was stored' {
    It 'shows Zstd with the stored share of compressible data, and what was asked for' {
        $expected = [math]::Round(100.0 * $script:Db.StoredSize / $script:Db.SourceSize)
        $script:Db.Compression | Should -Be ($expected -lt 1 ? 'Zstd (<1%)' : "Zstd ($expected%)")
        $script:Db.RequestedCompression | Should -Be 'Auto'
    }

    It 'shows Stored for data that did not compress, and for -Compression None' {
        $script:Vm.Compression | Should -Be 'Stored'
        $none = Start-OffsiteBackup -LiteralPath (Join-Path $script:Src 'main.dump') -Name none -Repository $script:Repo -Compression None -NoNotification
        $none.Compression | Should -Be 'Stored'
        $none.RequestedCompression | Should -Be 'None'
    }

    It 'says Nothing new for a format 2 snapshot whose every chunk the set already held' {
        $file = Join-Path $script:Src 'main.dump'
        $first = Start-OffsiteBackup -LiteralPath $file -Name again-v2 -Repository $script:Repo -Format 2 -NoNotification
        $second = Start-OffsiteBackup -LiteralPath $file -Name again-v2 -Repository $script:Repo -Format 2 -NoNotification
        $first.Compression | Should -Match '^Zstd \((<1|\d+)%\)$'
        $second.Compression | Should -Be 'Nothing new'
        (Get-OffsiteBackup -Name again-v2 -Repository $script:Repo).Compression | Should -Be @($first.Compression, 'Nothing new')
    }

    It 'reports the same StoredSize and Compression in Start- and Get-OffsiteBackup: the bytes of the stored parts (format <Format>)' -ForEach @(
        @{ Format = 1 }, @{ Format = 2 }
    ) {
        $set = "stored-v$Format"
        $made = Start-OffsiteBackup -LiteralPath (Join-Path $script:Src 'main.dump') -Name $set -Repository $script:Repo -Format $Format -NoNotification
        $listed = Get-OffsiteBackup -Name $set -Repository $script:Repo
        $listed.StoredSize | Should -Be $made.StoredSize
        $listed.Compression | Should -Be $made.Compression
        if ($Format -eq 1) {
            $parts = Get-ChildItem -LiteralPath (Join-Path $script:Repo "$set/$($made.SnapshotId)") -Filter 'part-*'
            ($parts | Measure-Object Length -Sum).Sum | Should -Be $made.StoredSize
        }
    }
}
