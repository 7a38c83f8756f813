# Reads the help Markdown of docs/help/ (structure: docs/help/README.md) into plain objects for HelpMaml.ps1.
# Hand-written because platyPS is not available from the package mirror here, and the structure is small and
# fixed: headings decide everything, so a line-based reader is enough and its errors can name file and line.

$script:HelpSections = 'Synopsis', 'Description', 'Parameters', 'Examples', 'Notes', 'Related links'

<#
.SYNOPSIS
Parses one help file. Returns Name, Path, Synopsis, Description, Notes (arrays of paragraphs), Parameters
(ordered name -> paragraphs), Examples (Title, Code, Remarks) and Links (Text, Uri). Throws on any line that
does not fit the structure, naming the file and line.
#>
function Read-HelpMarkdown {
    param([Parameter(Mandatory)] [string] $Path)

    $doc = [pscustomobject]@{
        Name = $null; Path = $Path; Synopsis = @(); Description = @(); Notes = @()
        Parameters = [ordered]@{}; Examples = [System.Collections.Generic.List[object]]::new()
        Links = [System.Collections.Generic.List[object]]::new()
    }
    $section = $null        # current H2
    $block = $null          # current H3 (parameter name or example object)
    $text = [System.Collections.Generic.List[string]]::new()
    $fence = $null          # lines of an open code fence
    $lineNumber = 0
    $fail = { param($message) throw "$($Path):$lineNumber`: $message (structure: docs/help/README.md)" }

    # Moves the text gathered so far to where it belongs; called at every heading and at the end.
    $flush = {
        $paragraphs = @(ConvertTo-HelpParagraphs -Lines $text)
        $text.Clear()
        if ($paragraphs.Count -eq 0) { return }
        switch ($section) {
            $null { & $fail 'text before the first section' }
            'Synopsis' { $doc.Synopsis += $paragraphs }
            'Description' { $doc.Description += $paragraphs }
            'Notes' { $doc.Notes += $paragraphs }
            'Parameters' {
                if ($null -eq $block) { & $fail 'text under Parameters must follow a "### -Name" heading' }
                $doc.Parameters[$block] = @($doc.Parameters[$block]) + $paragraphs
            }
            'Examples' {
                if ($null -eq $block) { & $fail 'text under Examples must follow a "### Example N: title" heading' }
                if ($null -eq $block.Code) { & $fail "example '$($block.Title)': put the code block first, the explanation after it" }
                $block.Remarks += $paragraphs
            }
            'Related links' { foreach ($p in $paragraphs) { $doc.Links.Add((ConvertTo-HelpLink -Item $p -Fail $fail)) } }
        }
    }

    foreach ($line in Get-Content -LiteralPath $Path) {
        $lineNumber++
        if ($null -ne $fence) {
            if ($line -match '^```\s*$') {
                if ($section -ne 'Examples' -or $null -eq $block) { & $fail 'code blocks belong in examples only' }
                if ($null -ne $block.Code) { & $fail "example '$($block.Title)' has a second code block" }
                if ($text.Count -gt 0 -and ($text | Where-Object { $_.Trim() })) { & $fail "example '$($block.Title)': put the code block first, the explanation after it" }
                $block.Code = ($fence -join "`n").TrimEnd()
                $fence = $null
            }
            else { $fence.Add($line) }
            continue
        }
        if ($line -match '^```') { $fence = [System.Collections.Generic.List[string]]::new(); continue }
        if ($line -match '^# (.+)$') {
            if ($doc.Name) { & $fail 'a second "# " title' }
            $doc.Name = $Matches[1].Trim()
            continue
        }
        if ($line -match '^## (.+)$') {
            & $flush
            $section = $script:HelpSections | Where-Object { $_ -eq $Matches[1].Trim() }
            if (-not $section) { & $fail "unknown section '$($Matches[1])'; allowed: $($script:HelpSections -join ', ')" }
            $block = $null
            continue
        }
        if ($line -match '^### (.+)$') {
            & $flush
            $heading = $Matches[1].Trim()
            switch ($section) {
                'Parameters' {
                    if ($heading -notmatch '^-([A-Za-z][A-Za-z0-9]*)$') { & $fail "parameter heading '$heading' must be '### -Name'" }
                    $block = $Matches[1]
                    if ($doc.Parameters.Contains($block)) { & $fail "parameter -$block is described twice" }
                    $doc.Parameters[$block] = @()
                }
                'Examples' {
                    $block = [pscustomobject]@{ Title = $heading; Code = $null; Remarks = @() }
                    $doc.Examples.Add($block)
                }
                default { & $fail "'### ' headings belong under Parameters or Examples, not '$section'" }
            }
            continue
        }
        if ($line -match '^#') { & $fail "unexpected heading '$line'" }
        $text.Add($line)
    }
    if ($null -ne $fence) { & $fail 'a code block is not closed' }
    & $flush
    if (-not $doc.Name) { throw "$($Path): no '# <Cmdlet-Name>' title." }
    return $doc
}

<#
.SYNOPSIS
Blank lines separate paragraphs; a list item ("- ") starts its own paragraph and indented lines continue it.
Inline Markdown is reduced to plain text, because Get-Help prints paragraphs as they are.
#>
function ConvertTo-HelpParagraphs {
    param([AllowEmptyCollection()] [System.Collections.Generic.List[string]] $Lines)

    $current = [System.Collections.Generic.List[string]]::new()
    $emit = { if ($current.Count -gt 0) { ConvertTo-PlainText (($current -join ' ')); $current.Clear() } }
    foreach ($line in $Lines) {
        if (-not $line.Trim()) { & $emit; continue }
        if ($line -match '^\s*[-*] ') { & $emit }
        $current.Add($line.Trim())
    }
    & $emit
}

function ConvertTo-PlainText {
    param([string] $Text)
    $Text = $Text -replace '\[([^\]]+)\]\((https?://[^)]+)\)', '$1 ($2)'   # [text](url) -> text (url)
    $Text = $Text -replace '`([^`]+)`', '$1'                              # `code` -> code
    $Text = $Text -replace '\*\*([^*]+)\*\*', '$1'                        # **bold** -> bold
    return $Text
}

# A related link is "- Name-Of-Cmdlet" or "- [text](https://...)" (already plain text: "text (url)").
function ConvertTo-HelpLink {
    param([string] $Item, [scriptblock] $Fail)
    $item = $Item -replace '^[-*]\s+', ''
    if ($item -match '^(.+) \((https?://\S+)\)$') { return [pscustomobject]@{ Text = $Matches[1].Trim(); Uri = $Matches[2] } }
    if ($item -match '^[A-Za-z]+-[A-Za-z]+$') { return [pscustomobject]@{ Text = $item; Uri = '' } }
    & $Fail "related link '$Item' must be a cmdlet name or [text](https://...)"
}
