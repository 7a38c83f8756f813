#Requires -Version 7.4
# A backup killed mid-way (kill -9) continues on the next run without storing finished parts again.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $env:ONEDRIVE_OFFSITE_HOME = $script:ConfigHome
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $script:Source = Join-Path $TestDrive 'vzdump-qemu-101.vma'
    $buffer = [byte[]]::new(1MB); $rng = [Random]::new(5)
    $fs = [IO.File]::Create($script:Source)
    try { for ($i = 0; $i -lt 64; $i++) { $rng.NextBytes($buffer); $fs.Write($buffer, 0, $buffer.Length) } } finally { $fs.Dispose() }
}

Describe 'Resume after kill -9' {
    It 'continues the same snapshot, stores less than the whole file again, and restores exactly' {
        $command = "Import-Module '$script:Module'; `$env:ONEDRIVE_OFFSITE_HOME = '$script:ConfigHome'; " +
            "Start-OffsiteBackup -LiteralPath '$script:Source' -Name crash -Repository '$script:Repo' -Format 1 -PartSize 1MB -ThrottleLimit 1 -NoNotification"
        # The engine's test hook holds the run once 8 parts are stored and recorded: the kill comes at that known point.
        $process = Start-HeldBackup -Command $command -HoldAfterParts 8
        Stop-Process -Id $process.Id -Force   # SIGKILL on Linux: no cleanup code runs
        $process.WaitForExit()

        $before = Get-OffsiteBackup -Name crash -Repository $script:Repo
        $before.State | Should -Be 'Resumable' -Because 'the journal of the killed run continues it'
        $storedBefore = @(Get-ChildItem -LiteralPath $script:Repo -Recurse -Filter 'part-*.oop' -File).Count
        $storedBefore | Should -Be 8

        $verbose = Start-OffsiteBackup -LiteralPath $script:Source -Name crash -Repository $script:Repo -Format 1 -PartSize 1MB -NoNotification -Verbose 4>&1
        $snapshot = $verbose | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        $messages = ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $snapshot.SnapshotId | Should -Be $before.SnapshotId
        ($messages -match '^Resuming snapshot') | Should -Not -BeNullOrEmpty
        $storedAgain = @($messages -match '^Stored part-').Count
        # Killed while held after part 8 was recorded (-ThrottleLimit 1: no other part was under way), so exactly
        # the parts not stored before the kill are stored again.
        $storedAgain | Should -Be (64 - $storedBefore)
        Get-OffsiteBackup -Name crash -Repository $script:Repo | Should -HaveCount 1

        $out = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'out')).FullName
        $restored = $snapshot | Restore-OffsiteBackup -Destination $out -NoNotification
        (Get-FileHash $restored.FullName).Hash | Should -Be (Get-FileHash $script:Source).Hash
    }
}
