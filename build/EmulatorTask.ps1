# Emulator task: build, then run the Graph emulator (tests/GraphEmulator) with its identity authority in the
# foreground and print the exact lines that point a pwsh session at it. For contributors trying the OneDrive path
# by hand; the tests start their own emulators.

function Invoke-EmulatorTask {
    param([Parameter(Mandatory)] $Paths)

    Invoke-BuildTask -Paths $Paths
    $dll = Find-EmulatorAssembly -Paths $Paths
    $token = [guid]::NewGuid().ToString('N')
    $certificate = Join-Path $Paths.Output 'emulator-identity.pem'
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $dll, '--port', '0', '--token', $token, '--identity', $certificate) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true   # the emulator exits when this closes (when this task ends)
    $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    try {
        $graph = $process.StandardOutput.ReadLine()
        $identity = $process.StandardOutput.ReadLine()
        if ($graph -notmatch 'listening on (http://\S+)') { throw "The emulator did not start: $graph" }
        $graphUri = $Matches[1].TrimEnd('/')
        if ($identity -notmatch 'identity authority on (https://\S+)') { throw "The emulator's identity authority did not start: $identity" }
        $identityUri = $Matches[1].TrimEnd('/')
        $module = Join-Path $Paths.ModuleDir 'OnedriveOffsite.psd1'
        Write-Step "Graph emulator on $graphUri, identity authority on $identityUri (Ctrl+C stops it)"
        Write-Host @"
In another terminal (the SSL_CERT_FILE line makes .NET on Linux/macOS trust the authority's certificate):

  `$env:SSL_CERT_FILE = '$certificate'
  `$env:ONEDRIVE_OFFSITE_HOME = '$(Join-Path $Paths.Output 'emulator-home')'
  Import-Module '$module'
  Set-OffsiteApp -ClientId '$([guid]::NewGuid())' -TenantId consumers -AuthorityHost $identityUri -GraphEndpoint $graphUri
  Connect-OffsiteAccount                     # device code: the emulator approves it by itself
  # or, without the identity authority:
  Connect-OffsiteAccount -AccessToken (ConvertTo-SecureString '$token' -AsPlainText -Force)
  New-OffsiteKey
  Start-OffsiteBackup -Path ./some-file -Name demo -Repository onedrive:

Emulator state: Invoke-RestMethod $graphUri/_emulator/stats
"@
        $process.WaitForExit()
    }
    finally {
        if (-not $process.HasExited) { $process.StandardInput.Close(); $process.WaitForExit(5000) | Out-Null }
        if (-not $process.HasExited) { $process.Kill() }
    }
}
