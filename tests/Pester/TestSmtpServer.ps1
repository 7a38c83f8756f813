# A minimal SMTP server on 127.0.0.1 for the Pester suite (dot-source it): it answers EHLO with AUTH PLAIN LOGIN,
# decodes and records every credential it is sent, accepts or rejects it (535), and records each message.
# Written here rather than taken from a package because the suite must load nothing into the Pester process that
# the module might also load (MimeKit, SmtpServer); ConvertFrom-TestMime decodes what it receives.

<#
.SYNOPSIS
Starts the server in a background runspace; returns @{ Port; Logins (user/password pairs as decoded); Mails (raw
message text) }. Stop it with Stop-TestSmtpServer.
#>
function Start-TestSmtpServer {
    param([switch] $RejectCredentials)

    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $state = [hashtable]::Synchronized(@{
            Logins = [Collections.ArrayList]::Synchronized([Collections.ArrayList]::new())
            Mails  = [Collections.ArrayList]::Synchronized([Collections.ArrayList]::new())
            Errors = [Collections.ArrayList]::Synchronized([Collections.ArrayList]::new())
        })
    $serve = {
        param($Listener, $State, [bool] $Reject)
        $ascii = [Text.Encoding]::ASCII
        $decode = { param($b64) [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b64.Trim())) }
        while ($true) {
            try { $client = $Listener.AcceptTcpClient() } catch { return }   # the listener was stopped
            try {
                $stream = $client.GetStream()
                $reader = [IO.StreamReader]::new($stream, $ascii)
                $writer = [IO.StreamWriter]::new($stream, $ascii)
                $writer.NewLine = "`r`n"; $writer.AutoFlush = $true
                $answerAuth = {
                    param($user, $password)
                    $null = $State.Logins.Add([pscustomobject]@{ User = $user; Password = $password })
                    $writer.WriteLine(($Reject ? '535 5.7.8 Authentication credentials invalid' : '235 2.7.0 Authentication successful'))
                }
                $writer.WriteLine('220 localhost test SMTP server')
                $done = $false
                while (-not $done -and $null -ne ($line = $reader.ReadLine())) {
                    if ($line -match '^(EHLO|HELO)\b') { $writer.WriteLine('250-localhost'); $writer.WriteLine('250-AUTH PLAIN LOGIN'); $writer.WriteLine('250 8BITMIME') }
                    elseif ($line -match '^AUTH PLAIN ?(.*)$') {
                        $b64 = $Matches[1]
                        if (-not $b64) { $writer.WriteLine('334 '); $b64 = $reader.ReadLine() }
                        $fields = (& $decode $b64).Split([char]0)
                        & $answerAuth $fields[1] $fields[2]
                    }
                    elseif ($line -match '^AUTH LOGIN ?(.*)$') {
                        $user = $Matches[1]
                        if (-not $user) { $writer.WriteLine('334 VXNlcm5hbWU6'); $user = $reader.ReadLine() }
                        $writer.WriteLine('334 UGFzc3dvcmQ6')
                        & $answerAuth (& $decode $user) (& $decode $reader.ReadLine())
                    }
                    elseif ($line -match '^(MAIL FROM|RCPT TO|RSET|NOOP)') { $writer.WriteLine('250 2.0.0 OK') }
                    elseif ($line -match '^DATA') {
                        $writer.WriteLine('354 End data with <CR><LF>.<CR><LF>')
                        $message = [Text.StringBuilder]::new()
                        while ($null -ne ($data = $reader.ReadLine()) -and $data -ne '.') {
                            $null = $message.Append(($data.StartsWith('..') ? $data.Substring(1) : $data)).Append("`r`n")
                        }
                        $null = $State.Mails.Add($message.ToString())
                        $writer.WriteLine('250 2.0.0 Queued')
                    }
                    elseif ($line -match '^QUIT') { $writer.WriteLine('221 2.0.0 Bye'); $done = $true }
                    else { $writer.WriteLine('502 5.5.2 Command not implemented') }
                }
            }
            catch { $null = $State.Errors.Add("$_") }
            finally { $client.Dispose() }
        }
    }
    $runspace = [powershell]::Create()
    $null = $runspace.AddScript($serve).AddArgument($listener).AddArgument($state).AddArgument([bool] $RejectCredentials)
    $handle = $runspace.BeginInvoke()
    [pscustomobject]@{
        Port = $listener.LocalEndpoint.Port; Logins = $state.Logins; Mails = $state.Mails; Errors = $state.Errors
        Listener = $listener; Runspace = $runspace; Handle = $handle
    }
}

function Stop-TestSmtpServer($Server) {
    if (-not $Server) { return }
    $Server.Listener.Stop()
    $null = $Server.Handle.AsyncWaitHandle.WaitOne(10000)
    $Server.Runspace.Dispose()
}

<#
.SYNOPSIS
Decodes a MIME message into its leaf parts: @{ ContentType; Text } with the transfer encoding (base64,
quoted-printable) and charset undone, plus one entry 'header/subject' with the decoded Subject.
#>
function ConvertFrom-TestMime([string] $Raw) {
    $split = $Raw -split "\r?\n\r?\n", 2
    $headers = @{}
    foreach ($header in ($split[0] -replace "\r?\n[ \t]+", ' ') -split "\r?\n") {
        if ($header -match '^([^:]+):\s*(.*)$') { $headers[$Matches[1].ToLowerInvariant()] = $Matches[2] }
    }
    $body = $split.Count -gt 1 ? $split[1] : ''
    $contentType = $headers['content-type'] ?? 'text/plain'
    if ($headers.ContainsKey('subject')) { [pscustomobject]@{ ContentType = 'header/subject'; Text = ConvertFrom-TestEncodedWord $headers['subject'] } }
    if ($contentType -match '^multipart/' -and $contentType -match 'boundary="?([^";]+)"?') {
        $boundary = [regex]::Escape("--$($Matches[1])")
        $parts = [regex]::Split($body, "(?m)^$boundary(?:--)?\r?$\n?")
        foreach ($part in $parts | Select-Object -Skip 1) {
            if ($part.Trim()) { ConvertFrom-TestMime $part | Where-Object ContentType -NE 'header/subject' }
        }
        return
    }
    $charset = $contentType -match 'charset="?([^";]+)"?' ? $Matches[1] : 'us-ascii'
    $bytes = switch -regex ($headers['content-transfer-encoding'] ?? '7bit') {
        'base64' { [Convert]::FromBase64String(($body -replace '\s', '')) }
        'quoted-printable' { ConvertFrom-TestQuotedPrintable $body }
        default { [Text.Encoding]::UTF8.GetBytes($body) }
    }
    [pscustomobject]@{ ContentType = ($contentType -split ';')[0].Trim().ToLowerInvariant(); Text = [Text.Encoding]::GetEncoding($charset).GetString($bytes) }
}

function ConvertFrom-TestQuotedPrintable([string] $Text) {
    $text = $Text -replace "=\r?\n", ''   # soft line breaks
    $bytes = [Collections.Generic.List[byte]]::new()
    for ($i = 0; $i -lt $text.Length; $i++) {
        if ($text[$i] -eq '=' -and $i + 2 -lt $text.Length -and $text.Substring($i + 1, 2) -match '^[0-9A-Fa-f]{2}$') {
            $bytes.Add([Convert]::ToByte($text.Substring($i + 1, 2), 16)); $i += 2
        }
        else { $bytes.AddRange([Text.Encoding]::UTF8.GetBytes([string] $text[$i])) }
    }
    $bytes.ToArray()
}

function ConvertFrom-TestEncodedWord([string] $Text) {
    [regex]::Replace($Text, '=\?([^?]+)\?([bBqQ])\?([^?]*)\?=', {
            param($m)
            $encoding = [Text.Encoding]::GetEncoding($m.Groups[1].Value)
            $bytes = $m.Groups[2].Value -in 'b', 'B' ? [Convert]::FromBase64String($m.Groups[3].Value) : (ConvertFrom-TestQuotedPrintable ($m.Groups[3].Value -replace '_', ' '))
            $encoding.GetString($bytes)
        })
}
