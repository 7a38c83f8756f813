#Requires -Version 7.4
# The OneDrive repository end to end through the cmdlets, against the strict Graph emulator in its own process.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:Emulator = Start-TestEmulator
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $env:ONEDRIVE_OFFSITE_HOME = $script:ConfigHome
    Set-OffsiteApp -ClientId ([guid]::NewGuid()) -GraphEndpoint $script:Emulator.Uri -WarningAction SilentlyContinue
    Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString $script:Emulator.Token -AsPlainText -Force) -WarningAction SilentlyContinue | Out-Null
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Src = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'src')).FullName

    function New-RandomFile([string] $Name, [int] $MiB, [int] $Seed = 1) {
        $path = Join-Path $script:Src $Name
        $buffer = [byte[]]::new(1MB); $rng = [Random]::new($Seed)
        $fs = [IO.File]::Create($path)
        try { for ($i = 0; $i -lt $MiB; $i++) { $rng.NextBytes($buffer); $fs.Write($buffer, 0, $buffer.Length) } } finally { $fs.Dispose() }
        Get-Item $path
    }
    function New-OutDir { (New-Item -ItemType Directory -Path (Join-Path $TestDrive ([guid]::NewGuid().ToString('N')))).FullName }
}

AfterAll { Stop-TestEmulator $script:Emulator }

Describe 'Backup and restore through OneDrive (emulator)' {
    It 'round-trips a multi-part file bit-exactly, with no Authorization on pre-authenticated URLs' {
        $f = New-RandomFile 'vm-101.vma.zst' 12
        $s = $f | Start-OffsiteBackup -Name pve-101 -Repository onedrive:/pester -PartSize 4MB -NoNotification
        $s.State | Should -Be 'Complete'
        $s.Parts | Should -Be 3
        $s.Repository | Should -Be 'onedrive:/pester'
        $listed = Get-OffsiteBackup -Name pve-101 -Repository onedrive:/pester
        $listed.SnapshotId | Should -Be $s.SnapshotId
        $restored = $listed | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        (Get-FileHash $restored.FullName).Hash | Should -Be (Get-FileHash $f.FullName).Hash
        ($listed | Test-OffsiteBackup).Passed | Should -BeTrue
        $stats = Get-TestEmulatorStats $script:Emulator
        $stats.authorizationHeaderViolations | Should -Be 0
        $stats.internalErrors | Should -Be 0
        ($stats.userAgents -join ' ') | Should -Match 'OnedriveOffsite/'
    }

    It 'survives injected faults of every kind' {
        $f = New-RandomFile 'faults.bin' 10 -Seed 2
        $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/faults" -ContentType 'application/json' -Body (@{ rate = 0.15; kinds = 'all'; seed = 3; retryAfterSeconds = 1 } | ConvertTo-Json)
        try {
            $s = Start-OffsiteBackup -LiteralPath $f.FullName -Name faults -Repository onedrive:/pester -PartSize 2MB -NoNotification
            $restored = $s | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        } finally {
            $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/faults" -ContentType 'application/json' -Body '{"clear": true}'
        }
        (Get-FileHash $restored.FullName).Hash | Should -Be (Get-FileHash $f.FullName).Hash
        $stats = Get-TestEmulatorStats $script:Emulator
        ($stats.faultsInjected.PSObject.Properties.Value | Measure-Object -Sum).Sum | Should -BeGreaterThan 0
        $stats.authorizationHeaderViolations | Should -Be 0
    }

    It 'continues after kill -9 mid-upload without uploading finished parts again' {
        $f = New-RandomFile 'crash.bin' 24 -Seed 4
        $command = "Import-Module '$script:Module'; `$env:ONEDRIVE_OFFSITE_HOME = '$script:ConfigHome'; " +
            "Start-OffsiteBackup -LiteralPath '$($f.FullName)' -Name crash -Repository onedrive:/pester -PartSize 1MB -ThrottleLimit 1 -NoNotification"
        # The engine's test hook holds the run once 6 parts are stored and recorded: the kill comes at that known point.
        $process = Start-HeldBackup -Command $command -HoldAfterParts 6
        Stop-Process -Id $process.Id -Force   # SIGKILL on Linux: no cleanup code runs
        $process.WaitForExit()
        (Get-OffsiteBackup -Name crash -Repository onedrive:/pester).State | Should -Be 'Incomplete'
        $partsBefore = @((Get-TestEmulatorStats $script:Emulator).storedFiles | Where-Object path -Match '/crash/[^/]+/part-[0-9]+\.oop$').Count
        $partsBefore | Should -Be 6

        $output = Start-OffsiteBackup -LiteralPath $f.FullName -Name crash -Repository onedrive:/pester -PartSize 1MB -NoNotification -Verbose 4>&1
        $snapshot = $output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        $messages = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        ($messages -match '^Resuming snapshot') | Should -Not -BeNullOrEmpty
        # -ThrottleLimit 1 and held after part 6 was recorded: exactly the parts not stored before the kill go up again.
        @($messages -match '^Stored part-').Count | Should -Be (24 - $partsBefore)
        Get-OffsiteBackup -Name crash -Repository onedrive:/pester | Should -HaveCount 1
        $restored = $snapshot | Restore-OffsiteBackup -Destination (New-OutDir) -NoNotification
        (Get-FileHash $restored.FullName).Hash | Should -Be (Get-FileHash $f.FullName).Hash
    }

    It 'uploads in fragments of the size asked for, and refuses sizes OneDrive would refuse' {
        $f = New-RandomFile 'fragments.bin' 2 -Seed 7
        $before = (Get-TestEmulatorStats $script:Emulator).requestsByRoute.'PUT uploadFragment'
        $s = Start-OffsiteBackup -LiteralPath $f.FullName -Name fragments -Repository onedrive:/pester -FragmentSize 640KB -NoNotification
        $s.State | Should -Be 'Complete'
        ((Get-TestEmulatorStats $script:Emulator).requestsByRoute.'PUT uploadFragment' - $before) | Should -BeGreaterOrEqual 4
        { Start-OffsiteBackup -LiteralPath $f.FullName -Name fragments -Repository onedrive:/pester -FragmentSize 1MB -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidFragmentSize,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
    }

    It 'removes the source with -RemoveSource only after the upload was verified' {
        $f = New-RandomFile 'remove.bin' 3 -Seed 6
        $s = Start-OffsiteBackup -LiteralPath $f.FullName -Name remove -Repository onedrive:/pester -PartSize 1MB -RemoveSource -NoNotification
        $s.State | Should -Be 'Complete'
        $f.FullName | Should -Not -Exist
    }
}

Describe 'Legacy backups in OneDrive (emulator)' {
    It 'lists and restores the old service''s sample from the app folder' {
        $fixture = Join-Path $PSScriptRoot '../data/legacy'
        $headers = @{ Authorization = "Bearer $($script:Emulator.Token)" }
        foreach ($file in Get-ChildItem (Join-Path $fixture 'sample_multi')) {
            $uri = "$($script:Emulator.Uri)/v1.0/me/drive/special/approot:/legacy/sample_multi/$($file.Name):/content"
            if ($file.Name -eq (Get-ChildItem (Join-Path $fixture 'sample_multi') | Select-Object -First 1).Name) {
                $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/v1.0/me/drive/special/approot/children" -Headers $headers -ContentType 'application/json' -Body '{"name":"legacy","folder":{}}' -ErrorAction SilentlyContinue
                $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/v1.0/me/drive/special/approot:/legacy:/children" -Headers $headers -ContentType 'application/json' -Body '{"name":"sample_multi","folder":{}}'
            }
            $null = Invoke-RestMethod -Method Put $uri -Headers $headers -InFile $file.FullName -ContentType 'application/octet-stream'
        }
        (Get-OffsiteBackup -Legacy -Repository onedrive:/legacy).Name | Should -Be 'sample_multi'
        $dest = Join-Path (New-OutDir) 'restored.bin'
        $null = Restore-OffsiteBackup -Legacy -Name sample_multi -Repository onedrive:/legacy -LegacyKeyPath (Join-Path $fixture 'onedrive-offsite.key') `
            -Sha256File (Join-Path $fixture 'sha256hash_sample_multi') -Destination $dest -NoNotification
        (Get-FileHash $dest).Hash | Should -Be (Get-FileHash (Join-Path $fixture 'sample_multi.original.bin')).Hash
    }
}
