# Assembly isolation end to end: a session where another module already loaded an older MSAL into the default
# load context (what Az.Accounts or Microsoft.Graph.Authentication do) can still import and use OnedriveOffsite,
# whose own MSAL loads beside it in the module's private 'OnedriveOffsite' load context.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $manifestPath = Get-TestModuleManifest
    $dependencies = Join-Path (Split-Path -Parent $manifestPath) 'Dependencies'
    $ourMsalVersion = "$([Reflection.AssemblyName]::GetAssemblyName((Join-Path $dependencies 'Microsoft.Identity.Client.dll')).Version)"

    $facts = Invoke-FreshPwsh -Parameters @{
        ManifestPath = $manifestPath
        OldMsalDir   = Get-TestOldMsalDirectory
        ConfigPath   = Join-Path $TestDrive 'config'
    } -Script {
        param([string] $ManifestPath, [string] $OldMsalDir, [string] $ConfigPath)
        $ErrorActionPreference = 'Stop'
        $ConfirmPreference = 'None'
        $contextOf = { param($assembly) [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name }

        # Another module got there first.
        Add-Type -Path (Join-Path $OldMsalDir 'Microsoft.IdentityModel.Abstractions.dll')
        Add-Type -Path (Join-Path $OldMsalDir 'Microsoft.Identity.Client.dll')

        Import-Module -Name $ManifestPath
        # A real command through the engine.
        $null = New-OffsiteKey -ConfigPath $ConfigPath 3>$null 6>$null
        $ranCmdlet = Test-Path (Join-Path $ConfigPath 'offsite.key')

        # The engine, resolved the way the runtime does when a cmdlet first touches an engine type: the default
        # context asks ModuleInitializer's Resolving handler (returns the copy already loaded, if any).
        $engine = [System.Runtime.Loader.AssemblyLoadContext]::Default.LoadFromAssemblyName([Reflection.AssemblyName]'OnedriveOffsite.Engine')
        # MSAL as the engine binds it (no cmdlet signs in yet), then used: building a client binds MSAL's own
        # dependencies (Microsoft.IdentityModel.Abstractions) inside the same context.
        $context = [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($engine)
        $ourMsal = $context.LoadFromAssemblyName([Reflection.AssemblyName]'Microsoft.Identity.Client')
        $builder = $ourMsal.GetType('Microsoft.Identity.Client.PublicClientApplicationBuilder', $true)
        $app = $builder.GetMethod('Create', [type[]]@([string])).Invoke($null, @([guid]::NewGuid().ToString())).Build()

        $watched = 'Microsoft.Identity.Client', 'Microsoft.IdentityModel.Abstractions', 'OnedriveOffsite.Engine'
        [pscustomobject]@{
            RanCmdlet  = $ranCmdlet
            AppContext = & $contextOf $app.GetType().Assembly
            Loaded     = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -in $watched } | ForEach-Object {
                    [pscustomobject]@{ Name = $_.GetName().Name; Version = "$($_.GetName().Version)"; Context = & $contextOf $_ }
                })
        } | ConvertTo-Json -Depth 4 -Compress
    }

    function Get-Loaded([string] $Name, [string] $Context) {
        @($facts.Loaded | Where-Object { $_.Name -eq $Name -and $_.Context -eq $Context })
    }
}

Describe 'OnedriveOffsite beside another MSAL version' {
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
        $facts.AppContext | Should -BeExactly 'OnedriveOffsite'
        (Get-Loaded 'Microsoft.IdentityModel.Abstractions' 'OnedriveOffsite') | Should -HaveCount 1
        (Get-Loaded 'Microsoft.IdentityModel.Abstractions' 'Default').Version | Should -BeExactly '6.35.0.0'
    }
}
