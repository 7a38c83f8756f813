# Package task: turns the assembled output/OnedriveOffsite/ into output/package/OnedriveOffsite.<version>.nupkg,
# installable with Install-PSResource / Install-Module from any NuGet feed or local folder repository.

<#
.SYNOPSIS
Packs the built module with PSResourceGet's own Compress-PSResource (ships with pwsh 7.4+), so the nuspec is
exactly what Publish-PSResource would push to a gallery: id, version, authors, description, tags PSModule,
PSCmdlet_<name>, PSIncludes_Cmdlet... all taken from the manifest. Writing the nuspec by hand would drift from
what the gallery tooling expects; Publish-PSResource itself needs a registered repository, which would change
the user's PSResourceGet settings.
#>
function New-ModulePackage {
    param([Parameter(Mandatory)] $Paths)

    $version = Get-ManifestVersion -Paths $Paths
    Write-Step "Packing OnedriveOffsite $version"
    Reset-Directory -Path $Paths.PackageDir
    Compress-PSResource -Path $Paths.ModuleDir -DestinationPath $Paths.PackageDir

    $packed = @(Get-ChildItem -LiteralPath $Paths.PackageDir -Filter *.nupkg -File)
    if ($packed.Count -ne 1) { throw "Expected one .nupkg in $($Paths.PackageDir), found $($packed.Count)." }
    $target = Join-Path $Paths.PackageDir "OnedriveOffsite.$version.nupkg"
    if ($packed[0].FullName -cne $target) { Move-Item -LiteralPath $packed[0].FullName -Destination $target -Force }
    Write-Host "Package ready: $target"
}
