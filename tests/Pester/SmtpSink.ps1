# A plain-text SMTP sink on 127.0.0.1 for end-to-end tests of scripts that mail (no TLS, no AUTH: the child
# processes are configured with -Security None). Every message is saved as <guid>.eml in a folder.
# Dot-source it; Start-SmtpSink returns @{ Port; Directory; Stop = { … } }.

function Start-SmtpSink {
    param([Parameter(Mandatory)] [string] $Directory)
    $null = New-Item -ItemType Directory -Path $Directory -Force
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start()
    $ps = [powershell]::Create()
    $null = $ps.AddScript({
        param($Listener, $Directory)
        while ($true) {
            try { $client = $Listener.AcceptTcpClient() } catch { return }
            try {
                $stream = $client.GetStream()
                $stream.ReadTimeout = 30000
                $reader = [IO.StreamReader]::new($stream, [Text.Encoding]::UTF8)
                $writer = [IO.StreamWriter]::new($stream, [Text.Encoding]::ASCII)
                $writer.NewLine = "`r`n"; $writer.AutoFlush = $true
                $writer.WriteLine('220 sink ESMTP')
                $open = $true
                while ($open -and $null -ne ($line = $reader.ReadLine())) {
                    if ($line -match '^(EHLO|HELO)') { $writer.WriteLine('250 sink') }
                    elseif ($line -match '^DATA') {
                        $writer.WriteLine('354 end with .')
                        $message = [Text.StringBuilder]::new()
                        while ($null -ne ($l = $reader.ReadLine()) -and $l -ne '.') { $null = $message.AppendLine($l) }
                        [IO.File]::WriteAllText((Join-Path $Directory "$([guid]::NewGuid().ToString('n')).eml"), $message.ToString())
                        $writer.WriteLine('250 queued')
                    }
                    elseif ($line -match '^QUIT') { $writer.WriteLine('221 bye'); $open = $false }
                    else { $writer.WriteLine('250 ok') }
                }
            }
            catch { }
            finally { $client.Dispose() }
        }
    }).AddArgument($listener).AddArgument($Directory)
    $null = $ps.BeginInvoke()
    @{
        Port      = $listener.LocalEndpoint.Port
        Directory = $Directory
        Stop      = { $listener.Stop(); $ps.Stop(); $ps.Dispose() }.GetNewClosure()
    }
}

# The subjects (and decoded-enough text) of the mails the sink received, oldest first.
function Get-SmtpSinkMail {
    param([Parameter(Mandatory)] $Sink)
    Get-ChildItem -LiteralPath $Sink.Directory -Filter *.eml -File | Sort-Object LastWriteTimeUtc | ForEach-Object {
        $text = Get-Content -LiteralPath $_.FullName -Raw
        [pscustomobject]@{ Subject = ([regex]::Match($text, '(?m)^Subject: (.*)$').Groups[1].Value.Trim()); Text = ($text -replace "=\r?\n", "") }
    }
}
