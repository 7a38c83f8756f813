# Assembly isolation end to end: a session where another module already loaded an older MSAL into the default
# load context (what Az.Accounts or Microsoft.Graph.Authentication do) can still import and use OnedriveOffsite,
# whose own MSAL loads beside it in the module's private 'OnedriveOffsite' load context.

BeforeDiscovery {
    # The sign-in below trusts the emulator's authority through SSL_CERT_FILE (OpenSSL: Linux, macOS); Windows has no
    # such variable, so there these tests are reported as skipped rather than run without MSAL.
    $script:NoCertificateVariable = $IsWindows
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $manifestPath = Get-TestModuleManifest
    $dependencies = Join-Path (Split-Path -Parent $manifestPath) 'Dependencies'
    $ourMsalVersion = "$([Reflection.AssemblyName]::GetAssemblyName((Join-Path $dependencies 'Microsoft.Identity.Client.dll')).Version)"
    $script:Emulator = Start-TestEmulator -Identity
    $savedCertificateFile = $env:SSL_CERT_FILE
    $env:SSL_CERT_FILE = $script:Emulator.CertificateFile   # inherited by the fresh pwsh only
    try {
        $facts = Invoke-FreshPwsh -Parameters @{
            ManifestPath = $manifestPath
            OldMsalDir   = Get-TestOldMsalDirectory
            ConfigPath   = Join-Path $TestDrive 'config'
            Authority    = $script:Emulator.IdentityUri
            Graph        = $script:Emulator.Uri
        } -Script {
            param([string] $ManifestPath, [string] $OldMsalDir, [string] $ConfigPath, [string] $Authority, [string] $Graph)
            $ErrorActionPreference = 'Stop'
            $ConfirmPreference = 'None'
            $contextOf = { param($assembly) [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name }

            # Another module got there first.
            Add-Type -Path (Join-Path $OldMsalDir 'Microsoft.IdentityModel.Abstractions.dll')
            Add-Type -Path (Join-Path $OldMsalDir 'Microsoft.Identity.Client.dll')

            Import-Module -Name $ManifestPath
            $env:ONEDRIVE_OFFSITE_HOME = $ConfigPath
            # Real cmdlets, MSAL for real: a device-code sign-in against the emulator's authority (approved by
            # itself), then a Graph call with the token MSAL hands out silently from its cache.
            Set-OffsiteApp -ClientId ([guid]::NewGuid()) -TenantId consumers -AuthorityHost $Authority -GraphEndpoint $Graph 3>$null
            $account = Connect-OffsiteAccount 6>$null
            $listed = @(Get-OffsiteBackup -Repository onedrive:/isolation)

            $watched = 'Microsoft.Identity.Client', 'Microsoft.IdentityModel.Abstractions', 'OnedriveOffsite.Engine'
            [pscustomobject]@{
                UserName    = $account.UserName
                ListedCount = $listed.Count
                Loaded      = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in $watched } | ForEach-Object {
                        [pscustomobject]@{ Name = $_.GetName().Name; Version = "$($_.GetName().Version)"; Context = & $contextOf $_ }
                    })
            } | ConvertTo-Json -Depth 4 -Compress
        }
        $identity = Invoke-RestMethod "$($script:Emulator.Uri)/_emulator/identity"
        $graph = Get-TestEmulatorStats $script:Emulator
    }
    finally {
        [Environment]::SetEnvironmentVariable('SSL_CERT_FILE', $savedCertificateFile)
    }

    function Get-Loaded([string] $Name, [string] $Context) {
        @($facts.Loaded | Where-Object { $_.Name -eq $Name -and $_.Context -eq $Context })
    }
}

AfterAll { Stop-TestEmulator $script:Emulator }

Describe 'OnedriveOffsite beside another MSAL version' -Skip:$script:NoCertificateVariable {
    It 'signs in through its own MSAL with Connect-OffsiteAccount and calls Graph with the token' {
        $facts.UserName | Should -Be 'admin@example.test'
        $identity.deviceCodeGrants | Should -Be 1
        $facts.ListedCount | Should -Be 0
        $graph.requestsByRoute.PSObject.Properties.Name | Should -Contain 'GET children'
        $graph.unauthorizedRequests | Should -Be 0
    }

    It 'leaves the preloaded MSAL 4.61.3 in the default context' {
        (Get-Loaded 'Microsoft.Identity.Client' 'Default').Version | Should -BeExactly '4.61.3.0'
    }

    It 'loads its own MSAL into the OnedriveOffsite context' {
        $ourMsalVersion | Should -Not -Be '4.61.3.0'
        (Get-Loaded 'Microsoft.Identity.Client' 'OnedriveOffsite').Version | Should -BeExactly $ourMsalVersion
    }

    It 'loads the engine into the OnedriveOffsite context only' {
        @($facts.Loaded | Where-Object Name -eq 'OnedriveOffsite.Engine').Context | Should -BeExactly 'OnedriveOffsite'
    }

    It "binds MSAL's own dependencies inside the OnedriveOffsite context" {
        (Get-Loaded 'Microsoft.IdentityModel.Abstractions' 'OnedriveOffsite') | Should -HaveCount 1
        (Get-Loaded 'Microsoft.IdentityModel.Abstractions' 'Default').Version | Should -BeExactly '6.35.0.0'
    }
}
