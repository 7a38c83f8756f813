# Build task: compiles the solution once, then assembles output/OnedriveOffsite/ exactly as users get it:
#   OnedriveOffsite.psd1, OnedriveOffsite.dll (+pdb), OnedriveOffsite.Format.ps1xml, en-US/ help (generated from
#   docs/help/ by HelpBuild.ps1),
#   Dependencies/ = the engine and every third-party DLL it needs, loaded by ModuleInitializer into the module's
#   private AssemblyLoadContext. Nothing but OnedriveOffsite.dll sits at the root: a DLL there could be picked
#   up by the default load context and clash with another module's copy.

function Invoke-BuildTask {
    param([Parameter(Mandatory)] $Paths)

    Assert-VersionsAgree -Paths $Paths
    Write-Step "Compiling $(Split-Path -Leaf $Paths.Solution) ($($Paths.Configuration))"
    # Quiet: errors still print; the restore warnings of the package mirror (NU1603) would bury them otherwise.
    $null = Invoke-Native dotnet @('build', $Paths.Solution, '-c', $Paths.Configuration, '-nologo', '-v:quiet', '-tl:off')

    $publishDir = Publish-Engine -Paths $Paths
    Write-Step "Assembling $($Paths.ModuleDir)"
    New-ModuleLayout -Paths $Paths -PublishDir $publishDir
    New-ModuleHelp -Paths $Paths
}

function Assert-VersionsAgree {
    param([Parameter(Mandatory)] $Paths)

    $manifestVersion = Get-ManifestVersion -Paths $Paths
    $props = [xml](Get-Content -LiteralPath (Join-Path $Paths.Root 'Directory.Build.props') -Raw)
    $assemblyVersion = $props.SelectSingleNode('//Version')?.InnerText
    if ($assemblyVersion -ne $manifestVersion) {
        throw "OnedriveOffsite.psd1 says ModuleVersion $manifestVersion but Directory.Build.props says <Version>$assemblyVersion</Version>; make them agree."
    }
}

# `dotnet publish` (not the engine's bin folder) decides what the engine needs at run time: it applies the
# framework's conflict resolution, so package DLLs that .NET itself supersedes are left out.
function Publish-Engine {
    param([Parameter(Mandatory)] $Paths)

    $publishDir = Join-Path $Paths.Scratch 'engine-publish'
    Reset-Directory -Path $publishDir
    Write-Step 'Collecting the engine and its dependencies (dotnet publish, no rebuild)'
    $null = Invoke-Native dotnet @('publish', $Paths.EngineProject, '-c', $Paths.Configuration, '--no-build', '--no-restore',
        '-o', $publishDir, '-nologo', '-v:quiet', '-tl:off')
    return $publishDir
}

function New-ModuleLayout {
    param([Parameter(Mandatory)] $Paths, [Parameter(Mandatory)] [string] $PublishDir)

    $moduleDir = $Paths.ModuleDir
    Reset-Directory -Path $moduleDir

    Copy-Item -LiteralPath $Paths.Manifest -Destination $moduleDir
    foreach ($name in 'OnedriveOffsite.dll', 'OnedriveOffsite.pdb') {
        $file = Join-Path $Paths.CmdletOutput $name
        if (-not (Test-Path -LiteralPath $file)) { throw "Missing $file; did the cmdlet project's target framework or output path change?" }
        Copy-Item -LiteralPath $file -Destination $moduleDir
    }
    Copy-Item -LiteralPath (Join-Path $Paths.ModuleSource 'OnedriveOffsite.Format.ps1xml') -Destination $moduleDir
    $help = Join-Path $Paths.ModuleSource 'en-US'
    if (Test-Path -LiteralPath $help) { Copy-Item -LiteralPath $help -Destination $moduleDir -Recurse }
    # Ready-made schedules and hooks (systemd, cron, vzdump, Task Scheduler) ship inside the module.
    Copy-Item -LiteralPath (Join-Path $Paths.ModuleSource 'Integrations') -Destination $moduleDir -Recurse

    $dependencyDir = Join-Path $moduleDir 'Dependencies'
    $null = New-Item -ItemType Directory -Path $dependencyDir
    $hostProvided = Copy-EngineDependencies -PublishDir $PublishDir -Destination $dependencyDir

    Assert-ModuleLayout -ModuleDir $moduleDir
    $count = @(Get-ChildItem -LiteralPath $dependencyDir -Filter *.dll -File).Count
    Write-Host "Module ready: $moduleDir ($count DLLs in Dependencies/; provided by PowerShell, not shipped: $($hostProvided -join ', '))"
}

<#
.SYNOPSIS
Copies the published engine DLLs into Dependencies/, leaving out the ones PowerShell itself ships at the same
or a newer version. Returns the names left out.
.DESCRIPTION
Those (System.Management.Automation and friends, and a few like System.Security.Cryptography.ProtectedData)
are already loaded by the host; ModuleInitializer's load context falls back to the host's copy when a DLL is not
in Dependencies/. The host's copies are also the right build for the platform (the Windows implementations of
ProtectedData/Pkcs live in runtimes/win/, which the private load context would not look into).
If the engine needs a newer version than the host ships, our copy is kept (the host's would fail to bind).
#>
function Copy-EngineDependencies {
    param([Parameter(Mandatory)] [string] $PublishDir, [Parameter(Mandatory)] [string] $Destination)

    $hostAssemblies = @{}
    foreach ($dll in Get-ChildItem -LiteralPath $PSHOME -Filter *.dll -File) {
        $hostAssemblies[$dll.Name] = Get-AssemblyVersion -Path $dll.FullName
    }

    $leftOut = [System.Collections.Generic.List[string]]::new()
    foreach ($dll in Get-ChildItem -LiteralPath $PublishDir -Filter *.dll -File) {
        if ($dll.Name -eq 'OnedriveOffsite.dll') { continue }  # the cmdlet assembly belongs at the module root only
        $ours = Get-AssemblyVersion -Path $dll.FullName
        $theirs = $hostAssemblies[$dll.Name]
        if ($null -ne $theirs -and $null -ne $ours -and $theirs -ge $ours) {
            $leftOut.Add($dll.BaseName)
            continue
        }
        if ($null -ne $theirs) {
            Write-Warning "$($dll.Name): PowerShell ships $theirs but the engine needs $ours; shipping ours in Dependencies/."
        }
        Copy-Item -LiteralPath $dll.FullName -Destination $Destination
        $pdb = [IO.Path]::ChangeExtension($dll.FullName, '.pdb')
        if (Test-Path -LiteralPath $pdb) { Copy-Item -LiteralPath $pdb -Destination $Destination }
    }

    # RID-specific assets that survive the filter would be ignored by the private load context, which only
    # looks for Dependencies/<name>.dll: say so loudly rather than ship something that silently never loads.
    $runtimes = Join-Path $PublishDir 'runtimes'
    if (Test-Path -LiteralPath $runtimes) {
        foreach ($asset in Get-ChildItem -LiteralPath $runtimes -Recurse -File) {
            if ($leftOut -contains $asset.BaseName) { continue }
            Write-Warning "Runtime-specific asset $($asset.FullName.Substring($PublishDir.Length + 1)) is not shipped: ModuleInitializer loads only Dependencies/<name>.dll."
        }
    }
    return $leftOut
}

function Get-AssemblyVersion {
    param([Parameter(Mandatory)] [string] $Path)
    try { [Reflection.AssemblyName]::GetAssemblyName($Path).Version }
    catch [BadImageFormatException] { $null }  # a native library, not an assembly
}

function Assert-ModuleLayout {
    param([Parameter(Mandatory)] [string] $ModuleDir)

    $strays = @(Get-ChildItem -LiteralPath $ModuleDir -Filter *.dll -File | Where-Object Name -ne 'OnedriveOffsite.dll')
    if ($strays.Count -gt 0) { throw "Only OnedriveOffsite.dll may sit at the module root; found $($strays.Name -join ', ')." }
    if (-not (Test-Path -LiteralPath (Join-Path $ModuleDir 'Dependencies/OnedriveOffsite.Engine.dll'))) {
        throw 'Dependencies/OnedriveOffsite.Engine.dll is missing from the assembled module.'
    }
    # Catches a manifest that names a missing file (format, root module) before any test runs.
    $null = Test-ModuleManifest -Path (Join-Path $ModuleDir 'OnedriveOffsite.psd1')
}
