#Requires -Version 7.4
# MSAL sign-in for unattended runs, end to end: the emulator's fake identity authority (HTTPS, self-signed
# certificate) issues the tokens its Graph side accepts. Everything that talks to the authority runs in a child
# pwsh that trusts the certificate through SSL_CERT_FILE (honoured by .NET on Linux and macOS through OpenSSL),
# exactly as a scheduled task would run it: nothing in the module turns certificate validation off.

BeforeDiscovery {
    # SSL_CERT_FILE is how OpenSSL-based .NET (Linux, macOS) takes an extra trust anchor; Windows has no such
    # variable (there the certificate would have to go into the user's root store, which a test must not touch).
    $script:NoCertificateVariable = $IsWindows
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestSettings.ps1')
    $script:Module = Get-TestModuleManifest
    Import-Module $script:Module -Force
    $script:Emulator = Start-TestEmulator -Identity
    $script:SavedEnvironment = @{ SSL_CERT_FILE = $env:SSL_CERT_FILE; ONEDRIVE_OFFSITE_HOME = $env:ONEDRIVE_OFFSITE_HOME }
    # Inherited by the child pwsh processes only (this one never talks to the authority).
    $env:SSL_CERT_FILE = $script:Emulator.CertificateFile
    $script:ClientId = [guid]::NewGuid().ToString()

    function Get-Identity { Invoke-RestMethod "$($script:Emulator.Uri)/_emulator/identity" }
    function Set-Identity([hashtable] $Body) {
        $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/identity" -ContentType 'application/json' -Body ($Body | ConvertTo-Json)
    }
    function Clear-GraphTokens { $null = Invoke-RestMethod -Method Post "$($script:Emulator.Uri)/_emulator/expire-tokens" }

    # A fresh config home for this process and every child it starts, with the app pointed at the emulator.
    function New-TestHome([string] $Name, [securestring] $ClientSecret) {
        $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive $Name
        $app = @{ ClientId = $script:ClientId; TenantId = 'consumers'; AuthorityHost = $script:Emulator.IdentityUri; GraphEndpoint = $script:Emulator.Uri }
        if ($ClientSecret) { $app.ClientSecret = $ClientSecret }
        Set-OffsiteApp @app -WarningAction SilentlyContinue
        $null = New-OffsiteKey -WarningAction SilentlyContinue
    }

    function New-RandomFile([string] $Name, [int] $MiB) {
        $path = Join-Path $TestDrive $Name
        $buffer = [byte[]]::new(1MB); $rng = [Random]::new(11)
        $fs = [IO.File]::Create($path)
        try { for ($i = 0; $i -lt $MiB; $i++) { $rng.NextBytes($buffer); $fs.Write($buffer, 0, $buffer.Length) } } finally { $fs.Dispose() }
        $path
    }

    <#
    Runs a script file like a scheduled task: `pwsh -NoProfile -NonInteractive -File`, stdin closed at once (no
    keyboard), stdout and stderr captured. Returns @{ ExitCode; Output (all lines) }. The timeout only keeps a hung
    run from hanging the suite: a cold pwsh start alone can take tens of seconds on a loaded machine.
    #>
    function Invoke-ScheduledPwsh([string] $Path, [string[]] $Arguments = @(), [int] $TimeoutSeconds = 300) {
        $psi = [Diagnostics.ProcessStartInfo]::new((Get-TestPwsh))
        foreach ($a in @('-NoProfile', '-NonInteractive', '-File', $Path) + $Arguments) { $psi.ArgumentList.Add($a) }
        $psi.RedirectStandardInput = $true
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $process = [Diagnostics.Process]::Start($psi)
        try {
            $process.StandardInput.Close()
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit($TimeoutSeconds * 1000)) { $process.Kill($true); throw "$Path did not finish within $TimeoutSeconds s." }
            $process.WaitForExit()
            @{ ExitCode = $process.ExitCode; Output = ($stdout.Result + $stderr.Result) }
        }
        finally { $process.Dispose() }
    }

    $script:ConnectScript = Join-Path $TestDrive 'connect.ps1'
    Set-Content -LiteralPath $script:ConnectScript -Value @'
param([string] $Module)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$account = Connect-OffsiteAccount
"CONNECTED=$($account.UserName)"
'@
    # What an admin puts in cron / Task Scheduler.
    $script:NightlyScript = Join-Path $TestDrive 'nightly.ps1'
    Set-Content -LiteralPath $script:NightlyScript -Value @'
param([string] $Module, [string] $Source)
$ErrorActionPreference = 'Stop'
Import-Module $Module
$snapshot = Start-OffsiteBackup -LiteralPath $Source -Name nightly -Repository onedrive:/nightly -Format 1 -PartSize 1MB -NoNotification
"STATE=$($snapshot.State) PARTS=$($snapshot.Parts)"
'@
}

AfterAll {
    Stop-TestEmulator $script:Emulator
    # SetEnvironmentVariable removes a variable that was not set before (Set-Item cannot take $null).
    foreach ($entry in $script:SavedEnvironment.GetEnumerator()) { [Environment]::SetEnvironmentVariable($entry.Key, $entry.Value) }
}

Describe 'Sign-in for unattended runs (emulator identity authority)' -Skip:$script:NoCertificateVariable {
    It 'signs in with a device code under -NonInteractive, then a scheduled nightly.ps1 refreshes silently and completes' {
        New-TestHome 'nightly-home'
        Clear-GraphTokens # Graph accepts only tokens the authority issues from now on
        $source = New-RandomFile 'nightly.bin' 3

        $connect = Invoke-ScheduledPwsh $script:ConnectScript @($script:Module)
        $connect.ExitCode | Should -Be 0 -Because $connect.Output
        # Device code needs no keyboard: the code and the URL reach the output even without an interactive host.
        $connect.Output | Should -Match "$([regex]::Escape($script:Emulator.IdentityUri))/devicelogin"
        $connect.Output | Should -Match 'code FAKE\d{4}'
        $connect.Output | Should -Match 'CONNECTED=admin@example.test'
        $afterConnect = Get-Identity
        $afterConnect.deviceCodeGrants | Should -Be 1
        $rotatedBefore = (Get-OffsiteAccount).RefreshTokenUpdatedOn

        # No sleep for the rotation time stamp to move: a whole new pwsh process starts in between.
        Clear-GraphTokens # the cached access token is dead: Graph answers 401, the run must refresh on its own
        $nightly = Invoke-ScheduledPwsh $script:NightlyScript @($script:Module, $source)

        $nightly.ExitCode | Should -Be 0 -Because $nightly.Output
        $nightly.Output | Should -Match 'STATE=Complete PARTS=3'
        $nightly.Output | Should -Not -Match 'devicelogin|enter the code|FAKE\d{4}|Connect-OffsiteAccount'
        $identity = Get-Identity
        $identity.refreshGrants | Should -BeGreaterOrEqual 1
        $identity.deviceCodeRequests | Should -Be $afterConnect.deviceCodeRequests
        $identity.staleRefreshTokenUses | Should -Be 0
        (Get-TestEmulatorStats $script:Emulator).unauthorizedRequests | Should -BeGreaterOrEqual 1
        @((Get-TestEmulatorStats $script:Emulator).storedFiles.path -like '/Apps/OnedriveOffsite/nightly/nightly/*/manifest.oom').Count | Should -Be 1
        # The rotated refresh token was written back for the next night.
        (Get-OffsiteAccount).RefreshTokenUpdatedOn | Should -BeGreaterThan $rotatedBefore
    }

    It 'fails a scheduled run with SignInRequired at the refused refresh, without retrying, when the refresh token is dead' {
        New-TestHome 'dead-home'
        $source = New-RandomFile 'dead.bin' 2
        (Invoke-ScheduledPwsh $script:ConnectScript @($script:Module)).ExitCode | Should -Be 0
        Set-Identity @{ refreshAnswersInvalidGrant = $true }
        $refusedBefore = (Get-Identity).invalidGrantAnswers
        try {
            Clear-GraphTokens
            $nightly = Invoke-ScheduledPwsh $script:NightlyScript @($script:Module, $source)
        }
        finally { Set-Identity @{ refreshAnswersInvalidGrant = $false } }
        $nightly.ExitCode | Should -Not -Be 0
        $nightly.Output | Should -Match 'SignInRequired|Connect-OffsiteAccount'
        $nightly.Output | Should -Not -Match 'devicelogin|FAKE\d{4}'
        # No retry loop: one refused refresh per worker that saw the 401, at most (-ThrottleLimit 4 by default). No
        # wall-clock bound: a cold pwsh start alone takes tens of seconds on a loaded machine.
        ((Get-Identity).invalidGrantAnswers - $refusedBefore) | Should -BeIn 1, 2, 3, 4
    }
}

Describe 'No token or client secret in any stream' -Skip:$script:NoCertificateVariable {
    It 'keeps tokens and the client secret out of output, verbose, warning, error, information and progress records' {
        $clientSecret = 'CLIENT-SECRET-' + [guid]::NewGuid().ToString('N')
        $env:ONEDRIVE_OFFSITE_HOME = Join-Path $TestDrive 'leak-home'
        Clear-GraphTokens
        $source = New-RandomFile 'leak.bin' 2
        $capture = Join-Path $TestDrive 'leak-capture.txt'
        $script = Join-Path $TestDrive 'leak.ps1'
        # [powershell]::Create() keeps every stream apart (Progress too, which a redirected host would drop).
        Set-Content -LiteralPath $script -Value @'
param([string] $Module, [string] $Secret, [string] $ClientId, [string] $Authority, [string] $Graph, [string] $Emulator,
      [string] $Source, [string] $Destination, [string] $Capture)
$ps = [powershell]::Create()
$null = $ps.AddScript({
    param($Module, $Secret, $ClientId, $Authority, $Graph, $Emulator, $Source, $Destination)
    $VerbosePreference = 'Continue'
    $ProgressPreference = 'Continue'
    Import-Module $Module
    Set-OffsiteApp -ClientId $ClientId -TenantId consumers -AuthorityHost $Authority -GraphEndpoint $Graph -ClientSecret (ConvertTo-SecureString $Secret -AsPlainText -Force) -PassThru
    Get-OffsiteApp
    $null = New-OffsiteKey -WarningAction Continue
    Connect-OffsiteAccount
    Get-OffsiteAccount | Format-List * | Out-String
    # (The admin answers are kept out of the captured output: the identity one lists every issued token.)
    $null = Invoke-RestMethod -Method Post "$Emulator/_emulator/expire-tokens"   # the backup must refresh (with -Verbose)
    $snapshot = Start-OffsiteBackup -LiteralPath $Source -Name leak -Repository onedrive:/leak -Format 1 -PartSize 1MB -NoNotification
    $snapshot | Format-List * | Out-String
    $snapshot | Restore-OffsiteBackup -Destination $Destination -NoNotification
    $null = Invoke-RestMethod -Method Post "$Emulator/_emulator/identity" -ContentType 'application/json' -Body '{"refreshAnswersInvalidGrant": true}'
    $null = Invoke-RestMethod -Method Post "$Emulator/_emulator/expire-tokens"
    Get-OffsiteBackup -Repository onedrive:/leak       # fails: SignInRequired
    $null = Invoke-RestMethod -Method Post "$Emulator/_emulator/identity" -ContentType 'application/json' -Body '{"refreshAnswersInvalidGrant": false}'
}).AddParameters(@{ Module = $Module; Secret = $Secret; ClientId = $ClientId; Authority = $Authority; Graph = $Graph; Emulator = $Emulator; Source = $Source; Destination = $Destination })
$output = $ps.Invoke()
$text = [Text.StringBuilder]::new()
function Add([string] $Kind, $Value) { $null = $text.AppendLine("$Kind`t$Value") }
foreach ($o in $output) { Add OUTPUT ($o | Out-String); Add OUTPUTJSON ($o | ConvertTo-Json -Depth 4 -WarningAction Ignore) }
foreach ($r in $ps.Streams.Verbose) { Add VERBOSE $r.Message }
foreach ($r in $ps.Streams.Warning) { Add WARNING $r.Message }
foreach ($r in $ps.Streams.Information) { Add INFORMATION "$($r.MessageData) $($r.Tags -join ',')" }
foreach ($r in $ps.Streams.Progress) { Add PROGRESS "$($r.Activity) | $($r.StatusDescription) | $($r.CurrentOperation)" }
foreach ($r in $ps.Streams.Error) {
    Add ERROR "$r | $($r.FullyQualifiedErrorId) | $($r.CategoryInfo) | $($r.TargetObject | Out-String) | $($r.ErrorDetails)"
    Add EXCEPTION $r.Exception.ToString()
    Add EXCEPTIONJSON ($r.Exception | Select-Object * -ExcludeProperty TargetSite | ConvertTo-Json -Depth 2 -WarningAction Ignore)
}
foreach ($r in $ps.Streams.Debug) { Add DEBUG $r.Message }
Set-Content -LiteralPath $Capture -Value $text.ToString()
"COUNTS output=$($output.Count) verbose=$($ps.Streams.Verbose.Count) progress=$($ps.Streams.Progress.Count) information=$($ps.Streams.Information.Count) error=$($ps.Streams.Error.Count)"
'@
        $run = Invoke-ScheduledPwsh $script @($script:Module, $clientSecret, $script:ClientId, $script:Emulator.IdentityUri, $script:Emulator.Uri,
            $script:Emulator.Uri, $source, (New-Item -ItemType Directory (Join-Path $TestDrive 'leak-out')).FullName, $capture)
        $run.ExitCode | Should -Be 0 -Because $run.Output
        $captured = Get-Content -LiteralPath $capture -Raw
        $identity = Get-Identity

        # Everything that should have happened did, so the search below had something to search.
        $captured | Should -Match 'INFORMATION\tTo sign in, use a web browser'
        $captured | Should -Match 'VERBOSE\tAccess token refreshed'
        $captured | Should -Match 'PROGRESS\t'
        $captured | Should -Match 'ERROR\t.*SignInRequired'
        $captured | Should -Match 'EXCEPTION\tOnedriveOffsite.Engine.Errors.OffsiteException: The stored sign-in is no longer valid'
        (Get-FileHash (Get-ChildItem (Join-Path $TestDrive 'leak-out')).FullName -Algorithm SHA256).Hash | Should -Be (Get-FileHash $source -Algorithm SHA256).Hash
        @($identity.issuedAccessTokens).Count | Should -BeGreaterOrEqual 2
        @($identity.issuedRefreshTokens).Count | Should -BeGreaterOrEqual 2

        $lines = $captured -split "`n"
        foreach ($secret in @($identity.issuedAccessTokens) + @($identity.issuedRefreshTokens) + $clientSecret) {
            # Names the kind of record that leaked (OUTPUT, VERBOSE, EXCEPTION...), never the secret itself.
            $leaks = @($lines | Where-Object { $_.Contains($secret) } | ForEach-Object { ($_ -split "`t")[0] })
            $leaks | Should -BeNullOrEmpty -Because "no stream may carry a token or the client secret ($($secret.Substring(0, 14))...)"
        }
        $run.Output | Should -Not -Match ([regex]::Escape($clientSecret))
    }
}
