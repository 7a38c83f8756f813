#Requires -Version 7.4
# Issue 14 item 6: messages that say what happened (TLS, authority, repository that is a file, SES region, key
# prefix), a config home made owner-only, and a restore that checks free space before it writes.

BeforeDiscovery {
    # SSL_CERT_FILE (the way to trust the emulator's certificate) and Unix modes exist only on Linux/macOS.
    $script:NotUnix = $IsWindows
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:ConfigHome = Join-Path $TestDrive 'home'
    $null = New-OffsiteKey -ConfigPath $script:ConfigHome -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName

    <#
    Runs $Script (text) in a new pwsh like a scheduled job (-NonInteractive, stdin closed) with $Environment's
    variables set ($null removes one) and returns its output lines. The last line is expected to be JSON.
    #>
    function Invoke-Child([string] $Script, [string[]] $Arguments = @(), [hashtable] $Environment = @{}) {
        $file = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('n')).ps1"
        Set-Content -LiteralPath $file -Value $Script
        $psi = [Diagnostics.ProcessStartInfo]::new((Get-TestPwsh))
        foreach ($a in @('-NoProfile', '-NonInteractive', '-File', $file) + $Arguments) { $psi.ArgumentList.Add($a) }
        foreach ($entry in $Environment.GetEnumerator()) {
            if ($null -eq $entry.Value) { $null = $psi.Environment.Remove($entry.Key) } else { $psi.Environment[$entry.Key] = $entry.Value }
        }
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $process = [Diagnostics.Process]::Start($psi)
        try {
            $process.StandardInput.Close()
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            # Only keeps a hung child from hanging the suite; a cold pwsh start alone can take tens of seconds.
            if (-not $process.WaitForExit(300000)) { $process.Kill($true); throw "the child pwsh did not finish: $file" }
            $process.WaitForExit()
            # Standard output last, so that its last line (the JSON) is the last line whatever standard error held.
            , @(($stderr.Result + "`n" + $stdout.Result) -split '\r?\n' | Where-Object { $_ }) # one line stays an array
        }
        finally { $process.Dispose() }
    }
}

Describe 'TLS/certificate failures are named as such' -Skip:$script:NotUnix {
    BeforeAll {
        $script:Emulator = Start-TestEmulator -Identity
        $script:ClientId = [guid]::NewGuid().ToString()
        $script:Outcome = @'
param([string] $Module, [string] $Home_, [string] $Command)
Import-Module $Module
try {
    $null = & ([scriptblock]::Create($Command))
    '{"Id":"none"}'
}
catch {
    [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Category = "$($_.CategoryInfo.Category)"; Message = $_.Exception.Message } | ConvertTo-Json -Compress
}
'@
        function New-IdentityHome([string] $Name) {
            $path = Join-Path $TestDrive $Name
            Set-OffsiteApp -ClientId $script:ClientId -TenantId consumers -AuthorityHost $script:Emulator.IdentityUri -GraphEndpoint $script:Emulator.Uri `
                -ConfigPath $path -WarningAction SilentlyContinue
            $null = New-OffsiteKey -ConfigPath $path -WarningAction SilentlyContinue
            $path
        }
    }
    AfterAll { Stop-TestEmulator $script:Emulator }

    It 'Connect-OffsiteAccount against an authority whose certificate is not trusted fails with SignInFailed naming TLS, a proxy or CA and SSL_CERT_FILE' {
        $home_ = New-IdentityHome 'tls-sign-in'
        $lines = Invoke-Child $script:Outcome @('-Module', $script:Module, '-Home_', $home_, '-Command', "Connect-OffsiteAccount -ConfigPath '$home_' -ErrorAction Stop") `
            -Environment @{ SSL_CERT_FILE = $null }
        $outcome = $lines[-1] | ConvertFrom-Json
        $outcome.Id | Should -Be 'SignInFailed,OnedriveOffsite.Commands.ConnectOffsiteAccountCommand' -Because ($lines -join "`n")
        $outcome.Category | Should -Be 'SecurityError'
        $outcome.Message | Should -Match 'TLS/certificate problem'
        $outcome.Message | Should -Match 'proxy'
        $outcome.Message | Should -Match 'SSL_CERT_FILE'
        $outcome.Message | Should -Not -Match 'could not be reached'
        (Invoke-RestMethod "$($script:Emulator.Uri)/_emulator/identity").deviceCodeRequests | Should -Be 0 -Because 'nothing got through the TLS handshake'
    }

    It 'an unattended run whose token must be refreshed from that authority fails with TokenRefreshFailed naming TLS, not a network outage' {
        $home_ = New-IdentityHome 'tls-refresh'
        # Signed in while the certificate is trusted ...
        $signIn = Invoke-Child $script:Outcome @('-Module', $script:Module, '-Home_', $home_, '-Command', "Connect-OffsiteAccount -ConfigPath '$home_' -ErrorAction Stop") `
            -Environment @{ SSL_CERT_FILE = $script:Emulator.CertificateFile }
        ($signIn[-1] | ConvertFrom-Json).Id | Should -Be 'none' -Because ($signIn -join "`n")
        # ... then Graph refuses the cached access token and the run must refresh it without that trust.
        $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/expire-tokens"
        $lines = Invoke-Child $script:Outcome @('-Module', $script:Module, '-Home_', $home_, '-Command', "Get-OffsiteBackup -Repository onedrive: -ConfigPath '$home_' -ErrorAction Stop") `
            -Environment @{ SSL_CERT_FILE = $null }
        $outcome = $lines[-1] | ConvertFrom-Json
        $outcome.Id | Should -Be 'TokenRefreshFailed,OnedriveOffsite.Commands.GetOffsiteBackupCommand' -Because ($lines -join "`n")
        $outcome.Message | Should -Match 'TLS/certificate problem'
        $outcome.Message | Should -Match 'SSL_CERT_FILE'
        $outcome.Message | Should -Not -Match 'could not be reached|try again later'
    }
}

Describe 'Messages that point the right way' {
    It 'an -AuthorityHost that is not a host is answered with an authority example, and the help shows one' {
        { Set-OffsiteApp -ClientId ([guid]::NewGuid()) -AuthorityHost 'https://login.example.com/contoso' -ConfigPath (Join-Path $TestDrive 'authority') -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidEndpoint,OnedriveOffsite.Commands.SetOffsiteAppCommand' -ExpectedMessage '*authority host*e.g. https://login.microsoftonline.com*'
        Test-Path (Join-Path $TestDrive 'authority/app.json') | Should -BeFalse
        $help = (Get-Help Set-OffsiteApp -Parameter AuthorityHost | Out-String)
        $help | Should -Match 'https://login\.microsoftonline\.(com|us)'
        $help | Should -Not -Match 'graph\.microsoft'
    }

    It 'RepositoryNotFound for a path that is a file says it is a file' {
        $file = Join-Path $TestDrive 'offsite.tar'
        Set-Content -LiteralPath $file -Value 'not a directory'
        { Get-OffsiteBackup -Repository $file -ConfigPath $script:ConfigHome -ErrorAction Stop } |
            Should -Throw -ErrorId 'RepositoryNotFound,OnedriveOffsite.Commands.GetOffsiteBackupCommand' -ExpectedMessage "*'$file' is a file, not a directory*"
        { Get-OffsiteBackup -Repository (Join-Path $TestDrive 'missing') -ConfigPath $script:ConfigHome -ErrorAction Stop } |
            Should -Throw -ExpectedMessage '*does not exist*'
    }

    It 'Set-OffsiteNotification -Region refuses what is not an AWS region name and stores nothing' {
        $home_ = Join-Path $TestDrive 'mail'
        foreach ($region in 'eu_west_1', 'Frankfurt', 'email.eu-west-1.amazonaws.com') {
            { Set-OffsiteNotification -Provider Ses -Region $region -To admin@example.com -From backup@example.com -ConfigPath $home_ -ErrorAction Stop } |
                Should -Throw -ErrorId 'NotificationSettingsInvalid,OnedriveOffsite.Commands.SetOffsiteNotificationCommand' -ExpectedMessage "*'$region' is not an AWS region name*us-east-1*"
        }
        Test-Path (Join-Path $home_ 'notification.json') | Should -BeFalse
        Set-OffsiteNotification -Provider Ses -Region eu-west-1 -To admin@example.com -From backup@example.com -ConfigPath $home_
        (Get-OffsiteNotification -ConfigPath $home_).Region | Should -Be 'eu-west-1'
    }

    It 'a key text with an unknown prefix is refused saying it must start with OOK2- (or OOK1-)' {
        $text = ConvertTo-SecureString ('OOK3-' + ('A' * 48)) -AsPlainText -Force
        { New-OffsiteKey -FromText $text -ConfigPath (Join-Path $TestDrive 'key-home') -ErrorAction Stop } |
            Should -Throw -ErrorId 'KeyInvalid,OnedriveOffsite.Commands.NewOffsiteKeyCommand' -ExpectedMessage "*must start with 'OOK2-' (or 'OOK1-'*"
        Test-Path (Join-Path $TestDrive 'key-home/offsite.key') | Should -BeFalse
    }
}

Describe 'A config home open to group and others' -Skip:$script:NotUnix {
    It 'is made owner-only (0755 becomes 0700) by the next command, which says so with -Verbose' {
        $home_ = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'loose-home')).FullName
        [IO.File]::SetUnixFileMode($home_, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute, OtherRead, OtherExecute')
        $null = New-OffsiteKey -ConfigPath $home_ -WarningAction SilentlyContinue
        [IO.File]::SetUnixFileMode($home_, [IO.UnixFileMode]'UserRead, UserWrite, UserExecute, GroupRead, GroupExecute, OtherRead, OtherExecute')

        $verbose = Get-OffsiteKey -ConfigPath $home_ -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }

        (Get-Item -LiteralPath $home_).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite, UserExecute')
        ($verbose.Message -join "`n") | Should -Match "config home '.*loose-home' was open to group/others \(mode 0755\).*owner-only \(mode 0700\)"
    }
}

Describe 'Restore-OffsiteBackup on a volume too small for the file' {
    It 'fails with DestinationFull before writing anything' {
        $source = Join-Path $TestDrive 'vm.bin'
        $bytes = [byte[]]::new(300KB); [Random]::new(14).NextBytes($bytes)
        [IO.File]::WriteAllBytes($source, $bytes)
        $null = Start-OffsiteBackup -LiteralPath $source -Name pve-full -Repository $script:Repo -ConfigPath $script:ConfigHome -NoNotification
        $destination = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'small-volume')).FullName
        $script = @'
param([string] $Module, [string] $Home_, [string] $Repo, [string] $Destination)
Import-Module $Module
try {
    $null = Restore-OffsiteBackup -Name pve-full -Repository $Repo -ConfigPath $Home_ -Destination $Destination -NoNotification -ErrorAction Stop
    '{"Id":"none"}'
}
catch { [pscustomobject]@{ Id = $_.FullyQualifiedErrorId; Category = "$($_.CategoryInfo.Category)"; Message = $_.Exception.Message } | ConvertTo-Json -Compress }
'@
        # The module's test hook (tests/README.md): the destination's volume reports 100 KiB free.
        $lines = Invoke-Child $script @('-Module', $script:Module, '-Home_', $script:ConfigHome, '-Repo', $script:Repo, '-Destination', $destination) `
            -Environment @{ ONEDRIVE_OFFSITE_TEST_FREE_SPACE = "$(100KB)" }
        $outcome = $lines[-1] | ConvertFrom-Json
        $outcome.Id | Should -Be 'DestinationFull,OnedriveOffsite.Commands.RestoreOffsiteBackupCommand' -Because ($lines -join "`n")
        $outcome.Category | Should -Be 'ResourceUnavailable'
        $outcome.Message | Should -Match "needs $(300KB) bytes but the volume of '.*small-volume' has only $(100KB) bytes free; nothing was written"
        @(Get-ChildItem -LiteralPath $destination -Force).Count | Should -Be 0 -Because 'not even a hidden temp file'

        # The same restore with room enough (no hook) writes the file.
        $restored = Restore-OffsiteBackup -Name pve-full -Repository $script:Repo -ConfigPath $script:ConfigHome -Destination $destination -NoNotification
        (Get-FileHash -LiteralPath $restored.FullName).Hash | Should -Be (Get-FileHash -LiteralPath $source).Hash
    }
}
