# Get-Help of the built module (MAML generated from docs/help/ by build/HelpBuild.ps1), read in a fresh session.

BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $cmdletNames = (Import-PowerShellDataFile -LiteralPath (Get-TestModuleManifest)).CmdletsToExport
    $cmdlets = @($cmdletNames | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    # What Get-Help -Full says about every exported cmdlet, reduced to plain text, as users would see it.
    $session = Invoke-FreshPwsh -Parameters @{ ManifestPath = Get-TestModuleManifest } -Script {
        param([string] $ManifestPath)
        $ErrorActionPreference = 'Stop'
        $module = Import-Module -Name $ManifestPath -PassThru
        $common = [System.Management.Automation.Cmdlet]::CommonParameters
        $text = { param($paragraphs) (@($paragraphs | ForEach-Object { $_.Text }) -join "`n").Trim() }
        $help = @{}
        foreach ($name in $module.ExportedCmdlets.Keys) {
            $full = Get-Help -Name $name -Full
            $help[$name] = [pscustomobject]@{
                Synopsis    = "$($full.Synopsis)".Trim()
                Description = & $text $full.description
                # Every parameter the cmdlet really has, with what its help says about it.
                Parameters  = @((Get-Command -Name $name).Parameters.Keys | Where-Object { $_ -notin $common } | ForEach-Object {
                        $documented = $full.parameters.parameter | Where-Object Name -eq $_
                        [pscustomobject]@{ Name = $_; Description = $documented ? (& $text $documented.description) : '' }
                    })
                Examples    = @($full.examples.example | ForEach-Object { [pscustomobject]@{ Title = $_.title; Code = "$($_.code)".Trim() } })
            }
        }
        [pscustomobject]@{
            Help                = $help
            BackupExamplesText  = Get-Help -Name Start-OffsiteBackup -Examples | Out-String -Width 200
        } | ConvertTo-Json -Depth 6 -Compress
    }
}

Describe 'Get-Help <Name> -Full' -ForEach $cmdlets {
    BeforeAll {
        $help = $session.Help.$Name
    }

    It 'has a synopsis that is not just the syntax' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        # Without a help file, Get-Help makes the syntax line the synopsis.
        $help.Synopsis | Should -Not -BeLike "$Name *"
    }

    It 'has a description' {
        $help.Description | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $help.Parameters | Should -Not -BeNullOrEmpty   # every cmdlet has at least -ConfigPath
        ($help.Parameters | Where-Object { -not $_.Description }).Name | Should -BeNullOrEmpty
    }

    It 'has at least two examples, each with code' {
        $help.Examples.Count | Should -BeGreaterOrEqual 2
        ($help.Examples | Where-Object { -not $_.Code }).Title | Should -BeNullOrEmpty
    }
}

Describe 'Get-Help Start-OffsiteBackup -Examples' {
    It 'shows the Get-ChildItem pipeline' {
        $session.BackupExamplesText | Should -Match 'Get-ChildItem'
    }
}
