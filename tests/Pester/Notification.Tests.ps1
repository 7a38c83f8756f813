#Requires -Version 7.4
# Notification settings through the cmdlets; a mail that cannot be sent never fails a good backup.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    Import-Module (Get-TestModuleManifest) -Force
    $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'home'
    $null = New-OffsiteKey -WarningAction SilentlyContinue
    $script:Repo = (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'repo')).FullName
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
    $script:ClosedPort = $listener.LocalEndpoint.Port; $listener.Stop()
    $script:Password = 'Pester-Smtp-Pa55word!'
    $credential = [pscredential]::new('backup-bot', (ConvertTo-SecureString $script:Password -AsPlainText -Force))
    Set-OffsiteNotification -Provider Smtp -To admin@example.com -From backup@example.com -SmtpServer 127.0.0.1 -Port $script:ClosedPort -Security StartTls -Credential $credential
}

Describe 'Notifications around a backup' {
    It 'shows the settings without the password' {
        $settings = Get-OffsiteNotification
        $settings.Provider | Should -Be 'Smtp'
        ($settings | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($script:Password))
    }
    It 'a backup with a broken mail setting succeeds and warns, with no secret in any stream' {
        $f = Join-Path $TestDrive 'db.sql'
        Set-Content $f ('INSERT INTO t VALUES (1);' * 1000)
        $all = Start-OffsiteBackup -LiteralPath $f -Name nightly -Repository $script:Repo -Verbose *>&1
        $snapshot = $all | Where-Object { $_ -is [OnedriveOffsite.Output.OffsiteSnapshot] }
        $snapshot.State | Should -Be 'Complete'
        $warnings = $all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }
        ($warnings.Message -join ' ') | Should -Match 'notification mail could not be sent'
        ($all | Out-String) | Should -Not -Match ([regex]::Escape($script:Password))
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
