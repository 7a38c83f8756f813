# The module as users install it: output/OnedriveOffsite/, imported in a fresh session.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $manifestPath = Get-TestModuleManifest
    $moduleDir = Split-Path -Parent $manifestPath
    $manifest = Import-PowerShellDataFile -LiteralPath $manifestPath

    $session = Invoke-FreshPwsh -Parameters @{ ManifestPath = $manifestPath } -Script {
        param([string] $ManifestPath)
        $ErrorActionPreference = 'Stop'
        $module = Import-Module -Name $ManifestPath -PassThru
        # Every cmdlet class compiled into the assembly, listed or not (the manifest filters silently).
        $implemented = $module.ImplementingAssembly.GetExportedTypes() |
            ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { "$($_.VerbName)-$($_.NounName)" }
        [pscustomobject]@{
            Name        = $module.Name
            Version     = "$($module.Version)"
            Cmdlets     = @($module.ExportedCmdlets.Keys | Sort-Object)
            Implemented = @($implemented | Sort-Object)
            Functions   = @($module.ExportedFunctions.Keys)
            Aliases     = @($module.ExportedAliases.Keys)
            Variables   = @($module.ExportedVariables.Keys)
        } | ConvertTo-Json -Compress
    }
}

Describe 'The built OnedriveOffsite module' {
    It 'imports in a fresh session with the manifest version' {
        $session.Name | Should -BeExactly 'OnedriveOffsite'
        $session.Version | Should -BeExactly $manifest.ModuleVersion
    }

    It 'exports exactly the cmdlets its manifest lists' {
        ($session.Cmdlets -join ', ') | Should -BeExactly (($manifest.CmdletsToExport | Sort-Object) -join ', ')
    }

    It 'lists every cmdlet the assembly implements in its manifest' {
        ($session.Implemented | Where-Object { $_ -notin $manifest.CmdletsToExport }) | Should -BeNullOrEmpty
    }

    It 'exports no functions, aliases or variables' {
        $session.Functions | Should -BeNullOrEmpty
        $session.Aliases | Should -BeNullOrEmpty
        $session.Variables | Should -BeNullOrEmpty
    }

    It 'holds no DLL at its root but OnedriveOffsite.dll' {
        (Get-ChildItem -LiteralPath $moduleDir -Filter *.dll -File).Name | Should -BeExactly 'OnedriveOffsite.dll'
    }

    It 'ships the engine in Dependencies/' {
        Join-Path $moduleDir 'Dependencies/OnedriveOffsite.Engine.dll' | Should -Exist
    }

    It 'declares a Core-only module for PowerShell 7.4+ that loads nothing outside its private load context' {
        $manifest.CompatiblePSEditions | Should -BeExactly 'Core'
        $manifest.PowerShellVersion | Should -BeExactly '7.4'
        $manifest.Keys | Should -Not -Contain 'RequiredAssemblies'
        $manifest.Keys | Should -Not -Contain 'NestedModules'
    }
}
