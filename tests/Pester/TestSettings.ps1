# Shared by the Pester suite (dot-source it in BeforeAll). `./build.ps1 Test` sets the ONEDRIVE_OFFSITE_*
# variables; the defaults let a developer run `Invoke-Pester tests/Pester` by hand after `./build.ps1 Build`.

$script:RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

# The built module's manifest (output/OnedriveOffsite/OnedriveOffsite.psd1), never the sources.
function Get-TestModuleManifest {
    if ($env:ONEDRIVE_OFFSITE_MODULE) { return $env:ONEDRIVE_OFFSITE_MODULE }
    Join-Path $script:RepositoryRoot 'output/OnedriveOffsite/OnedriveOffsite.psd1'
}

# The pwsh executable to start fresh sessions with (the one running the suite).
function Get-TestPwsh {
    if ($env:ONEDRIVE_OFFSITE_PWSH) { return $env:ONEDRIVE_OFFSITE_PWSH }
    Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
}

# Folder with Microsoft.Identity.Client 4.61.3 and the Microsoft.IdentityModel.Abstractions it binds to.
function Get-TestOldMsalDirectory {
    if ($env:ONEDRIVE_OFFSITE_TEST_MSAL_DIR) { return $env:ONEDRIVE_OFFSITE_TEST_MSAL_DIR }
    Join-Path $script:RepositoryRoot 'output/test-tools/msal-4.61.3'
}

<#
.SYNOPSIS
Runs a script block in a new pwsh process (nothing this session loaded is there) and returns what it wrote as
JSON on its last line of output. Throws with the whole output if the process fails.
#>
function Invoke-FreshPwsh {
    param([Parameter(Mandatory)] [scriptblock] $Script, [hashtable] $Parameters = @{})

    $file = Join-Path ([IO.Path]::GetTempPath()) "offsite-pester-$([guid]::NewGuid().ToString('n')).ps1"
    Set-Content -LiteralPath $file -Value $Script.ToString()
    try {
        $arguments = foreach ($entry in $Parameters.GetEnumerator()) { "-$($entry.Key)"; "$($entry.Value)" }
        $lines = @(& (Get-TestPwsh) -NoProfile -NonInteractive -File $file @arguments 2>&1 | ForEach-Object { "$_" })
        if ($LASTEXITCODE -ne 0) { throw "The fresh pwsh exited with code $LASTEXITCODE`:`n$($lines -join "`n")" }
        if ($lines.Count -eq 0) { throw 'The fresh pwsh printed nothing.' }
        return ($lines[-1] | ConvertFrom-Json)
    }
    finally {
        Remove-Item -LiteralPath $file -ErrorAction Ignore
    }
}

<#
.SYNOPSIS
Starts the Graph emulator (tests/GraphEmulator, built by build.ps1) as a separate process on 127.0.0.1 and
returns @{ Process; Uri (Graph root without /v1.0); Token }. With -Identity it also serves a fake OAuth
authority over HTTPS and the result has IdentityUri (authority host) and CertificateFile (its self-signed
certificate as PEM: a child pwsh trusts it through SSL_CERT_FILE). Stop it with Stop-TestEmulator.
#>
function Start-TestEmulator {
    param([string[]] $Arguments = @(), [switch] $Identity)
    $dll = $env:ONEDRIVE_OFFSITE_EMULATOR
    if (-not $dll -or -not (Test-Path $dll)) { throw "The Graph emulator is not built (ONEDRIVE_OFFSITE_EMULATOR='$dll'); run ./build.ps1 Build." }
    $token = [guid]::NewGuid().ToString('N')
    $certificate = $Identity ? (Join-Path ([IO.Path]::GetTempPath()) "emulator-identity-$token.pem") : $null
    if ($Identity) { $Arguments += '--identity', $certificate }
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--port', '0', '--token', $token) + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true   # the emulator exits when this is closed
    $psi.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($psi)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch 'listening on (http://\S+)') { $process.Kill(); throw "The emulator did not start: $line" }
    $emulator = @{ Process = $process; Uri = $Matches[1].TrimEnd('/'); Token = $token }
    if ($Identity) {
        $line = $process.StandardOutput.ReadLine()
        if ($line -notmatch 'identity authority on (https://\S+)') { $process.Kill(); throw "The emulator's identity authority did not start: $line" }
        $emulator.IdentityUri = $Matches[1].TrimEnd('/')
        $emulator.CertificateFile = $certificate
    }
    $emulator
}

function Stop-TestEmulator($Emulator) {
    if (-not $Emulator) { return }
    try { $Emulator.Process.StandardInput.Close() } catch { }
    if (-not $Emulator.Process.WaitForExit(10000)) { $Emulator.Process.Kill() }
    if ($Emulator.CertificateFile) { Remove-Item -LiteralPath $Emulator.CertificateFile -ErrorAction Ignore }
}

function Get-TestEmulatorStats($Emulator) { Invoke-RestMethod "$($Emulator.Uri)/_emulator/stats" }

<#
.SYNOPSIS
Starts a backup in a new pwsh process that holds (waits forever) once it has stored and recorded -HoldAfterParts
parts (the engine's test hook, tests/README.md), and returns the process once it holds: a test can then kill -9 it
at that known point instead of racing a poller against the upload. -Command is the backup command line: a format 1
backup (-Format 1), the only one with parts.
#>
function Start-HeldBackup {
    param([Parameter(Mandatory)] [string] $Command, [Parameter(Mandatory)] [int] $HoldAfterParts)

    $signal = Join-Path ([IO.Path]::GetTempPath()) "offsite-hold-$([guid]::NewGuid().ToString('n'))"
    $hook = "`$env:ONEDRIVE_OFFSITE_TEST_HOLD_AFTER_PARTS = '$HoldAfterParts|$signal'; "
    $process = Start-Process -FilePath (Get-TestPwsh) -ArgumentList '-NoProfile', '-NonInteractive', '-Command', ($hook + $Command) -PassThru
    # Waits for the signal, not for a time: the bound only keeps a broken run from hanging the suite.
    $limit = [DateTime]::UtcNow.AddMinutes(5)
    while (-not (Test-Path -LiteralPath $signal) -and -not $process.HasExited -and [DateTime]::UtcNow -lt $limit) { Start-Sleep -Milliseconds 100 }
    $held = Test-Path -LiteralPath $signal
    Remove-Item -LiteralPath $signal -ErrorAction Ignore
    if (-not $held) {
        if (-not $process.HasExited) { $process.Kill() }
        throw "The backup did not reach part $HoldAfterParts (exited: $($process.HasExited), exit code: $(if ($process.HasExited) { $process.ExitCode }))."
    }
    $process
}
