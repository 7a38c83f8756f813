#Requires -Version 7.4
# Notification settings through the cmdlets; a mail that cannot be sent never fails a good backup.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    . (Join-Path $PSScriptRoot 'TestSmtpServer.ps1')
    Import-Module (Get-TestModuleManifest) -Force
    $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'home'
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
    $script:ClosedPort = $listener.LocalEndpoint.Port; $listener.Stop()
    $script:Password = 'Pester-Smtp-Pa55word!'
    $script:Credential = [pscredential]::new('backup-bot', (ConvertTo-SecureString $script:Password -AsPlainText -Force))
    Set-OffsiteNotification -Provider Smtp -To admin@example.com -From backup@example.com -SmtpServer 127.0.0.1 -Port $script:ClosedPort -Security StartTls -Credential $script:Credential

    <#
    Runs one backup in a new runspace (module imported there) and returns every stream it wrote: output, error,
    warning, verbose, debug, information and progress, each record as text.
    #>
    function Invoke-BackupCapturingStreams([string] $Name) {
        $f = Join-Path $TestDrive "$Name.sql"
        Set-Content $f ('INSERT INTO t VALUES (1);' * 1000)
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("`$DebugPreference = 'Continue'; `$InformationPreference = 'Continue'; Import-Module '$(Get-TestModuleManifest)'; " +
                "`$env:ONEDRIVE_OFFSITE_HOME = '$env:ONEDRIVE_OFFSITE_HOME'; Start-OffsiteBackup -LiteralPath '$f' -Name $Name -Repository '$script:Repo' -Verbose")
            $output = @($ps.Invoke())
            [pscustomobject]@{
                Output      = $output
                Warnings    = @($ps.Streams.Warning | ForEach-Object Message)
                Progress    = @($ps.Streams.Progress | ForEach-Object { "$($_.Activity) | $($_.StatusDescription) | $($_.CurrentOperation)" })
                AllText     = @(
                    $output | Out-String
                    $ps.Streams.Error | ForEach-Object { "$_ $($_.Exception) $($_.FullyQualifiedErrorId)" }
                    $ps.Streams.Warning | ForEach-Object Message
                    $ps.Streams.Verbose | ForEach-Object Message
                    $ps.Streams.Debug | ForEach-Object Message
                    $ps.Streams.Information | ForEach-Object { "$($_.MessageData)" }
                    $ps.Streams.Progress | ForEach-Object { "$($_.Activity) $($_.StatusDescription) $($_.CurrentOperation)" }
                ) -join "`n"
            }
        }
        finally { $ps.Dispose() }
    }

    function Set-TestMailServer([int] $Port) {
        Set-OffsiteNotification -Provider Smtp -To admin@example.com -From backup@example.com -SmtpServer 127.0.0.1 -Port $Port `
            -Security None -Credential $script:Credential -AllowUnencryptedCredential -WarningAction SilentlyContinue
    }
}

Describe 'Notifications around a backup' {
    It 'shows the settings without the password' {
        $settings = Get-OffsiteNotification
        $settings.Provider | Should -Be 'Smtp'
        ($settings | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($script:Password))
    }
    It 'a backup sends its mail with the credential exchanged, and no secret is in any stream or in the mail' {
        $server = Start-TestSmtpServer
        try {
            Set-TestMailServer -Port $server.Port
            $run = Invoke-BackupCapturingStreams -Name accepted
        } finally { Stop-TestSmtpServer $server }
        ($run.Output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }).State | Should -Be 'Complete'
        # The password really went over the wire (decoded by the server from AUTH), so there was one to leak.
        $server.Logins | Should -HaveCount 1
        $server.Logins[0].User | Should -Be 'backup-bot'
        $server.Logins[0].Password | Should -BeExactly $script:Password
        $server.Mails | Should -HaveCount 1
        $parts = @(ConvertFrom-TestMime $server.Mails[0])
        $text = ($parts | Where-Object ContentType -EQ 'text/plain').Text
        $html = ($parts | Where-Object ContentType -EQ 'text/html').Text
        $text | Should -Match 'accepted'
        $html | Should -Match 'accepted'
        $run.Progress | Should -Not -BeNullOrEmpty -Because 'the progress stream is captured too'
        $secret = [regex]::Escape($script:Password)
        foreach ($decoded in @($parts.Text) + $server.Mails[0] + $run.AllText) { $decoded | Should -Not -Match $secret }
        $server.Errors | Should -BeNullOrEmpty
    }

    It 'a backup whose mail server rejects the credential succeeds and warns, with no secret in any stream' {
        $server = Start-TestSmtpServer -RejectCredentials
        try {
            Set-TestMailServer -Port $server.Port
            $run = Invoke-BackupCapturingStreams -Name rejected
        } finally { Stop-TestSmtpServer $server }
        ($run.Output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }).State | Should -Be 'Complete'
        # MailKit tries each offered mechanism (PLAIN, then LOGIN): every attempt carried the real password.
        $server.Logins | Should -Not -BeNullOrEmpty
        @($server.Logins | Where-Object Password -CNE $script:Password) | Should -BeNullOrEmpty
        $server.Mails | Should -BeNullOrEmpty
        ($run.Warnings -join ' ') | Should -Match 'notification mail could not be sent'
        ($run.Warnings -join ' ') | Should -Match 'rejected the credentials'
        $run.Progress | Should -Not -BeNullOrEmpty -Because 'the progress stream is captured too'
        $run.AllText | Should -Not -Match ([regex]::Escape($script:Password))
        $server.Errors | Should -BeNullOrEmpty
    }

    It 'a backup with an unreachable mail server succeeds and warns, with no secret in any stream' {
        Set-TestMailServer -Port $script:ClosedPort
        $run = Invoke-BackupCapturingStreams -Name unreachable
        ($run.Output | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }).State | Should -Be 'Complete'
        ($run.Warnings -join ' ') | Should -Match 'notification mail could not be sent'
        $run.AllText | Should -Not -Match ([regex]::Escape($script:Password))
    }
    It '-NoNotification sends nothing and warns of nothing' {
        $f = Join-Path $TestDrive 'quiet.sql'
        Set-Content $f 'quiet'
        $null = Start-OffsiteBackup -LiteralPath $f -Name nightly -Repository $script:Repo -NoNotification -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
    }
    It 'Send-OffsiteTestNotification reports the failure as an error' {
        { Send-OffsiteTestNotification -ErrorAction Stop } | Should -Throw -ErrorId 'NotificationFailed,OnedriveOffsite.Commands.SendOffsiteTestNotificationCommand'
    }
    It 'removes the settings with -Provider None' {
        Set-OffsiteNotification -Provider None
        (Get-OffsiteNotification).Provider | Should -Be 'None'
    }
}
