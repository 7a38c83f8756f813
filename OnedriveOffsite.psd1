# Module manifest for OnedriveOffsite. build.ps1 copies it into output/OnedriveOffsite/ beside the cmdlet
# assembly; ModuleVersion is the single source of the module and package version (build.ps1 checks that
# Directory.Build.props carries the same <Version>).
@{
    RootModule           = 'OnedriveOffsite.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f1f6e-3c2a-4f8e-9d41-7a6c2e8b9f13'
    Author               = 'OnedriveOffsite maintainers'
    Copyright            = '(c) OnedriveOffsite maintainers. All rights reserved.'
    Description          = 'Encrypts large backup files and keeps them offsite in Microsoft OneDrive (Microsoft Graph), with resumable parallel uploads, bounded memory, and bit-for-bit verified restores.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'

    # No RequiredAssemblies or NestedModules: the engine and all third-party DLLs live in Dependencies/ and load
    # into the module's private AssemblyLoadContext (see src/OnedriveOffsite.PowerShell/Infrastructure/ModuleInitializer.cs).
    FormatsToProcess     = @('OnedriveOffsite.Format.ps1xml')

    CmdletsToExport      = @(
        'New-OffsiteKey'
        'Get-OffsiteKey'
        'Export-OffsiteKey'
        'Start-OffsiteBackup'
        'Get-OffsiteBackup'
        'Restore-OffsiteBackup'
        'Test-OffsiteBackup'
        'Remove-OffsiteBackup'
        'Optimize-OffsiteRepository'
        'Set-OffsiteApp'
        'Get-OffsiteApp'
        'Connect-OffsiteAccount'
        'Get-OffsiteAccount'
        'Disconnect-OffsiteAccount'
        'Set-OffsiteNotification'
        'Get-OffsiteNotification'
        'Send-OffsiteTestNotification'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()

    PrivateData          = @{
        PSData = @{
            Tags = @('Backup', 'OneDrive', 'MicrosoftGraph', 'Encryption', 'Offsite', 'Restore', 'Linux', 'Windows')
        }
    }
}
