#Requires -Version 7.4
# Issue 14 item 4: tab completion from the repository (TabExpansion2, as the shell asks), and -Name as a script
# block that names each piped file's set.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $null = New-OffsiteKey -ConfigPath $script:ConfigHome -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $script:Dump = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'dump')).FullName

    # vzdump's names: vzdump-qemu-<vmid>-<date>-<time>.vma.zst
    function New-Dump([int] $VmId, [int] $Size = 200KB) {
        $bytes = [byte[]]::new($Size); [Random]::new($VmId).NextBytes($bytes)
        $path = Join-Path $script:Dump "vzdump-qemu-$VmId-2026_11_20-01_00_00.vma.zst"
        [IO.File]::WriteAllBytes($path, $bytes)
        Get-Item -LiteralPath $path
    }

    # What the shell offers after the cursor at the end of $Line.
    function Get-Completion([string] $Line) {
        @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches)
    }

    $script:Vm101 = New-Dump 101
    $script:Vm102 = New-Dump 102
    $script:Backups = @($script:Vm101, $script:Vm102 |
        Start-OffsiteBackup -Name { 'pve-' + ($_.Name -split '-')[2] } -Repository $script:Repo -ConfigPath $script:ConfigHome -NoNotification)
    $script:Common = "-ConfigPath '$script:ConfigHome' -Repository '$script:Repo'"
}

Describe 'Start-OffsiteBackup -Name as a script block' {
    It 'backs up several VMs'' dumps piped in one command into the set each file''s script block names' {
        $script:Backups.Count | Should -Be 2
        ($script:Backups | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.SourceName)" }) | Should -Be @(
            "pve-101=$($script:Vm101.Name)", "pve-102=$($script:Vm102.Name)")
        (Get-OffsiteBackup -Repository $script:Repo -ConfigPath $script:ConfigHome).Name | Sort-Object | Should -Be @('pve-101', 'pve-102')
    }

    It 'fails a file whose script block gives no valid set name with InvalidSetName and backs up the others' {
        $before = @(Get-OffsiteBackup -Name pve-102 -Repository $script:Repo -ConfigPath $script:ConfigHome).Count
        $out = $script:Vm101, $script:Vm102 | Start-OffsiteBackup -Repository $script:Repo -ConfigPath $script:ConfigHome -NoNotification `
            -Name { if ($_.Name -match '-101-') { 'pve 101!' } else { 'pve-' + ($_.Name -split '-')[2] } } -ErrorVariable failed -ErrorAction SilentlyContinue
        @($out).Name | Should -Be 'pve-102'
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSetName,*'
        $failed[0].Exception.Message | Should -Match ([regex]::Escape($script:Vm101.FullName))
        @(Get-OffsiteBackup -Name pve-102 -Repository $script:Repo -ConfigPath $script:ConfigHome).Count | Should -Be ($before + 1)
        Test-Path -LiteralPath (Join-Path $script:Repo 'pve 101!') | Should -BeFalse
    }

    It 'takes the script block from a variable too' {
        $namer = { 'pve-' + ($_.Name -split '-')[2] }
        $namer = Write-Output $namer # as a function's output: wrapped in a PSObject
        ($script:Vm102 | Start-OffsiteBackup -Name $namer -Repository $script:Repo -ConfigPath $script:ConfigHome -NoNotification).Name | Should -Be 'pve-102'
    }

    It 'says so when the script block returns several values or throws' {
        $null = $script:Vm101 | Start-OffsiteBackup -Name { 'a', 'b' } -Repository $script:Repo -ConfigPath $script:ConfigHome -NoNotification -ErrorVariable several -ErrorAction SilentlyContinue
        $several[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSetName,*'
        $several[0].Exception.Message | Should -Match 'returned 2 values'
        $null = $script:Vm101 | Start-OffsiteBackup -Name { throw 'no vmid here' } -Repository $script:Repo -ConfigPath $script:ConfigHome -NoNotification -ErrorVariable thrown -ErrorAction SilentlyContinue
        $thrown[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSetName,*'
        $thrown[0].Exception.Message | Should -Match 'no vmid here'
    }

    It 'locks each resolved set on its own: a run holding pve-101 fails that file with SetLocked while pve-102 is backed up' {
        $held = New-Dump 101 -Size 512KB
        $command = "Import-Module '$script:Module'; " +
            "Start-OffsiteBackup -LiteralPath '$($held.FullName)' -Name pve-101 -Repository '$script:Repo' -ConfigPath '$script:ConfigHome' -Format 1 -PartSize 64KB -ThrottleLimit 1 -NoNotification"
        $process = Start-HeldBackup -Command $command -HoldAfterParts 1
        try {
            $out = $held, $script:Vm102 | Start-OffsiteBackup -Name { 'pve-' + ($_.Name -split '-')[2] } -Repository $script:Repo -ConfigPath $script:ConfigHome `
                -NoNotification -ErrorVariable locked -ErrorAction SilentlyContinue
            @($out).Name | Should -Be 'pve-102'
            $locked.Count | Should -Be 1
            $locked[0].FullyQualifiedErrorId | Should -BeLike 'SetLocked,*'
        }
        finally {
            Stop-Process -Id $process.Id -Force
            $process.WaitForExit()
        }
    }

    It 'never binds a piped file''s own Name to -Name: without -Name the pipeline fails and nothing is stored' {
        $parameter = (Get-Command Start-OffsiteBackup).Parameters['Name']
        @($parameter.Attributes | Where-Object { $_ -is [Parameter] -and ($_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName) }) | Should -BeNullOrEmpty
        $sets = @(Get-ChildItem -LiteralPath $script:Repo -Directory).Name
        $result = Invoke-FreshPwsh -Parameters @{ Module = $script:Module; Dump = $script:Dump; Repo = $script:Repo; Home_ = $script:ConfigHome } -Script {
            param($Module, $Dump, $Repo, $Home_)
            Import-Module $Module
            try {
                $out = Get-ChildItem -LiteralPath $Dump -File | Start-OffsiteBackup -Repository $Repo -ConfigPath $Home_ -NoNotification -ErrorAction Stop
                [pscustomobject]@{ Outcome = 'backed up'; Names = @($out.Name) } | ConvertTo-Json -Compress
            }
            catch {
                [pscustomobject]@{ Outcome = $_.FullyQualifiedErrorId; Message = "$_" } | ConvertTo-Json -Compress
            }
        }
        $result.Outcome | Should -BeLike 'MissingMandatoryParameter,*'
        $result.Message | Should -Match 'Name'
        @(Get-ChildItem -LiteralPath $script:Repo -Directory).Name | Should -Be $sets
    }

    It 'refuses a script block with -FromCommand, which has no file to name a set by' {
        { Start-OffsiteBackup -Name { 'x' } -FromCommand pwsh, -c, 'exit 0' -SourceName a.bin -Repository $script:Repo -ConfigPath $script:ConfigHome -NoNotification -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSetName,OnedriveOffsite.Commands.StartOffsiteBackupCommand'
        Test-Path -LiteralPath (Join-Path $script:Repo 'x') | Should -BeFalse
    }
}

Describe 'Tab completion from a local repository' {
    It 'completes -Name with the repository''s sets on every cmdlet that takes one' {
        foreach ($cmdlet in 'Get-OffsiteBackup', 'Restore-OffsiteBackup', 'Test-OffsiteBackup', 'Remove-OffsiteBackup', 'Start-OffsiteBackup') {
            $matches = Get-Completion "$cmdlet $script:Common -Name pve-"
            $matches.CompletionText | Should -Be @('pve-101', 'pve-102') -Because $cmdlet
        }
        (Get-Completion "Get-OffsiteBackup $script:Common -Name pve-10").CompletionText | Should -Be @('pve-101', 'pve-102')
        (Get-Completion "Get-OffsiteBackup $script:Common -Name PVE-102").CompletionText | Should -Be 'pve-102'
        Get-Completion "Get-OffsiteBackup $script:Common -Name zzz" | Should -BeNullOrEmpty
    }

    It 'completes -SnapshotId with the -Name set''s snapshots, newest first, showing time and state' {
        $null = $script:Vm102 | Start-OffsiteBackup -Name pve-102 -Repository $script:Repo -ConfigPath $script:ConfigHome -NoNotification
        $ids = @(Get-OffsiteBackup -Name pve-102 -Repository $script:Repo -ConfigPath $script:ConfigHome | Sort-Object SnapshotId -Descending).SnapshotId
        $ids.Count | Should -BeGreaterOrEqual 2
        $matches = Get-Completion "Restore-OffsiteBackup $script:Common -Name pve-102 -SnapshotId "
        $matches.CompletionText | Should -Be $ids
        $matches[0].ToolTip | Should -Match '^pve-102: created \d{4}-\d\d-\d\d \d\d:\d\d, complete$'
        # Without -Name: every set's snapshots, the list naming the set.
        $all = Get-Completion "Test-OffsiteBackup $script:Common -SnapshotId "
        $all.ListItemText | Should -Contain "pve-101/$($script:Backups[0].SnapshotId)"
    }

    It 'completes -Repository with onedrive: and local directories' {
        (Get-Completion 'Get-OffsiteBackup -Repository on').CompletionText | Should -Be 'onedrive:'
        $parent = Split-Path $script:Repo
        $local = Get-Completion "Get-OffsiteBackup -Repository '$parent/re"
        $local.CompletionText | Should -Contain "'$script:Repo'"
        $local.CompletionText | Where-Object { $_ -match 'dump' } | Should -BeNullOrEmpty -Because 'only what begins with re'
    }

    It 'resolves a relative -Repository against the current location' {
        Push-Location (Split-Path $script:Repo)
        try { (Get-Completion "Get-OffsiteBackup -ConfigPath '$script:ConfigHome' -Repository repo -Name pve-").CompletionText | Should -Be @('pve-101', 'pve-102') }
        finally { Pop-Location }
    }

    It 'completes nothing and raises no error for a repository that is missing or a file' {
        $errors = $Error.Count
        Get-Completion "Get-OffsiteBackup -ConfigPath '$script:ConfigHome' -Repository '$TestDrive/nope' -Name " | Should -BeNullOrEmpty
        Get-Completion "Get-OffsiteBackup -ConfigPath '$script:ConfigHome' -Repository '$($script:Vm101.FullName)' -SnapshotId " | Should -BeNullOrEmpty
        $Error.Count | Should -Be $errors
    }
}

Describe 'Tab completion from OneDrive (emulator)' {
    BeforeAll {
        $script:Emulator = Start-TestEmulator
        $script:OneDriveHome = Join-Path $TestDrive 'onedrive-home'
        Set-OffsiteApp -ClientId ([guid]::NewGuid()) -GraphEndpoint $script:Emulator.Uri -ConfigPath $script:OneDriveHome -WarningAction SilentlyContinue
        $null = Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString $script:Emulator.Token -AsPlainText -Force) -ConfigPath $script:OneDriveHome -WarningAction SilentlyContinue
        $null = New-OffsiteKey -ConfigPath $script:OneDriveHome -WarningAction SilentlyContinue
        $null = $script:Vm101, $script:Vm102 | Start-OffsiteBackup -Name { 'pve-' + ($_.Name -split '-')[2] } -Repository onedrive:/tab -ConfigPath $script:OneDriveHome -NoNotification
    }
    AfterAll { Stop-TestEmulator $script:Emulator }

    It 'completes sets and sub folders from OneDrive, and a second Tab within the cache lifetime sends no request' {
        $line = "Get-OffsiteBackup -ConfigPath '$script:OneDriveHome' -Repository onedrive:/tab -Name "
        (Get-Completion $line).CompletionText | Should -Be @('pve-101', 'pve-102')
        $requests = (Get-TestEmulatorStats $script:Emulator).totalRequests
        (Get-Completion $line).CompletionText | Should -Be @('pve-101', 'pve-102')
        (Get-TestEmulatorStats $script:Emulator).totalRequests | Should -Be $requests
        (Get-Completion "Get-OffsiteBackup -ConfigPath '$script:OneDriveHome' -Repository onedrive:/t").CompletionText | Should -Be 'onedrive:/tab'
    }

    It 'does not hang the shell when OneDrive makes it wait (Retry-After 60 s): Tab returns nothing within 10 s' {
        $faults = "$($script:Emulator.Uri)/_emulator/faults"
        $null = Invoke-RestMethod -Method Post $faults -ContentType 'application/json' -Body '{"retryAfterSeconds": 60, "enqueue": ["Throttle429"]}'
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            Get-Completion "Get-OffsiteBackup -ConfigPath '$script:OneDriveHome' -Repository onedrive:/slow -Name " | Should -BeNullOrEmpty
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 10
            # The listing did reach OneDrive and was told to wait: the completer gave up, the shell did not wait.
            (Get-TestEmulatorStats $script:Emulator).faultsInjected.Throttle429 | Should -BeGreaterOrEqual 1
        }
        finally { $null = Invoke-RestMethod -Method Post $faults -ContentType 'application/json' -Body '{"clear": true}' }
    }

    It 'never signs in: a config home whose app is set up but not connected completes nothing and prints nothing' {
        $script = Join-Path $TestDrive 'tab-not-connected.ps1'
        Set-Content -LiteralPath $script -Value @'
param($Module, $Graph, $Home_)
Import-Module $Module
Set-OffsiteApp -ClientId ([guid]::NewGuid()) -GraphEndpoint $Graph -ConfigPath $Home_ -WarningAction SilentlyContinue
$line = "Get-OffsiteBackup -ConfigPath '$Home_' -Name "
"COMPLETIONS=$(@((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches).Count)"
'@
        # stdin closed and no terminal: a prompt would fail or print, either of which shows below.
        $lines = @('' | & (Get-TestPwsh) -NoProfile -NonInteractive -File $script -Module $script:Module -Graph $script:Emulator.Uri -Home_ (Join-Path $TestDrive 'not-connected') 2>&1 | ForEach-Object { "$_" })
        $LASTEXITCODE | Should -Be 0
        $lines | Should -Be @('COMPLETIONS=0') -Because 'nothing but the result: no sign-in prompt, code or error'
    }
}
