#Requires -Version 7.4
# -MaxUploadRate / -MaxDownloadRate and their stored defaults, on a local repository through the built module.
# Timing is asserted from below only (a limited run cannot be faster than the limit allows, whatever the load);
# the accuracy of the rate is a benchmark (bench/bandwidth.ps1), the limiter itself is unit-tested on a fake clock.

BeforeAll {
    Import-Module $env:ONEDRIVE_OFFSITE_MODULE -Force
    $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'home'
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $script:Source = Join-Path $TestDrive 'four-mib.bin'
    $bytes = [byte[]]::new(4MB); [Random]::new(4).NextBytes($bytes); [IO.File]::WriteAllBytes($script:Source, $bytes)
    function Measure-Run([scriptblock] $Block) { $w = [Diagnostics.Stopwatch]::StartNew(); $null = & $Block; $w.Elapsed.TotalSeconds }
}

Describe 'Bandwidth limits' {
    It 'refuses a limit that is not a rate or timetable with InvalidBandwidthLimit and stores nothing' {
        { Start-OffsiteBackup -LiteralPath $script:Source -Name bad -Repository $script:Repo -MaxUploadRate 'fast' -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidBandwidthLimit,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        Join-Path $script:Repo 'bad' | Should -Not -Exist
    }

    It 'holds a backup to -MaxUploadRate 2MB and a restore to -MaxDownloadRate 2MB (4 MiB: at least 1.75 s each)' {
        $up = Measure-Run { Start-OffsiteBackup -LiteralPath $script:Source -Name limited -Repository $script:Repo -Compression None -MaxUploadRate 2MB -NoNotification -ErrorAction Stop }
        $up | Should -BeGreaterOrEqual 1.75
        $out = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'out1')).FullName
        $down = Measure-Run { Restore-OffsiteBackup -Name limited -Repository $script:Repo -Destination $out -MaxDownloadRate 2MB -NoNotification -ErrorAction Stop }
        $down | Should -BeGreaterOrEqual 1.75
        (Get-FileHash (Join-Path $out 'four-mib.bin')).Hash | Should -Be (Get-FileHash $script:Source).Hash
    }

    It 'applies the default stored with Set-OffsiteApp, and a run''s own value overrides it' {
        Set-OffsiteApp -ClientId ([guid]::NewGuid()) -MaxUploadRate '00:00,2M' -WarningAction SilentlyContinue
        $stored = Measure-Run { Start-OffsiteBackup -LiteralPath $script:Source -Name stored -Repository $script:Repo -Compression None -NoNotification -ErrorAction Stop }
        $stored | Should -BeGreaterOrEqual 1.75
        # -MaxUploadRate off: no limit announced (the stored one would be, in -Verbose).
        Start-OffsiteBackup -LiteralPath $script:Source -Name off -Repository $script:Repo -Compression None -MaxUploadRate off -NoNotification -Verbose -ErrorAction Stop 4>&1 |
            Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like '*bandwidth limit*' } | Should -BeNullOrEmpty
        Get-OffsiteBackup -Name off -Repository $script:Repo | Select-Object -ExpandProperty State | Should -Be 'Complete'
    }
}
