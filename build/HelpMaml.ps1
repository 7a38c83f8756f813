# Writes the MAML help file (<assembly>-Help.xml) that Get-Help reads for binary cmdlets, from the parsed
# Markdown (HelpMarkdown.ps1) and the reflected command metadata (Get-CmdletMetadata.ps1). Hand-written for the
# same reason as the reader: platyPS is not served here. Element order and namespaces follow the MAML schema
# PowerShell's own help uses; everything a user cannot write wrongly (types, positions, pipeline input) comes
# from the metadata.

$script:Maml = 'http://schemas.microsoft.com/maml/2004/10'
$script:Command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:Dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Write-MamlHelp {
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [object[]] $Commands   # each: Metadata, Doc, Descriptions (name -> paragraphs)
    )

    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($entry in $Commands) { Write-MamlCommand -Writer $writer @entry }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally { $writer.Dispose() }
}

function Write-MamlCommand {
    param([System.Xml.XmlWriter] $Writer, $Metadata, $Doc, [System.Collections.IDictionary] $Descriptions)

    $w = $Writer
    $w.WriteStartElement('command', 'command', $script:Command)
    $w.WriteAttributeString('xmlns', 'maml', $null, $script:Maml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $script:Dev)

    $w.WriteStartElement('command', 'details', $script:Command)
    $w.WriteElementString('command', 'name', $script:Command, $Metadata.Name)
    $w.WriteElementString('command', 'verb', $script:Command, $Metadata.Verb)
    $w.WriteElementString('command', 'noun', $script:Command, $Metadata.Noun)
    Write-MamlParagraphs -Writer $w -Paragraphs $Doc.Synopsis
    $w.WriteEndElement()

    Write-MamlParagraphs -Writer $w -Paragraphs $Doc.Description

    $w.WriteStartElement('command', 'syntax', $script:Command)
    foreach ($set in $Metadata.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $script:Command)
        $w.WriteElementString('maml', 'name', $script:Maml, $Metadata.Name)
        foreach ($parameter in Get-SyntaxOrder $set.Parameters) {
            Write-MamlParameter -Writer $w -Parameter $parameter -Paragraphs $Descriptions[$parameter.Name]
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    # One entry per parameter; where sets disagree (mandatory in one, optional in another), the help of
    # PowerShell's own cmdlets shows the first set's facts, and so do we. The syntax above is exact per set.
    $w.WriteStartElement('command', 'parameters', $script:Command)
    $unique = [ordered]@{}
    foreach ($parameter in $Metadata.ParameterSets | ForEach-Object { Get-SyntaxOrder $_.Parameters }) {
        if (-not $unique.Contains($parameter.Name)) { $unique[$parameter.Name] = $parameter }
    }
    # WhatIf and Confirm after the cmdlet's own parameters of every set, as in the syntax.
    foreach ($parameter in $unique.Values | Sort-Object -Stable { $_.IsShouldProcess }) {
        Write-MamlParameter -Writer $w -Parameter $parameter -Paragraphs $Descriptions[$parameter.Name]
    }
    $w.WriteEndElement()

    Write-MamlInputTypes -Writer $w -Metadata $Metadata
    $w.WriteStartElement('command', 'returnValues', $script:Command)
    foreach ($type in $Metadata.OutputTypes) {
        $w.WriteStartElement('command', 'returnValue', $script:Command)
        Write-MamlType -Writer $w -TypeName $type
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    if ($Doc.Notes.Count -gt 0) {
        $w.WriteStartElement('maml', 'alertSet', $script:Maml)
        $w.WriteStartElement('maml', 'alert', $script:Maml)
        foreach ($p in $Doc.Notes) { $w.WriteElementString('maml', 'para', $script:Maml, $p) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }

    $w.WriteStartElement('command', 'examples', $script:Command)
    foreach ($example in $Doc.Examples) {
        $w.WriteStartElement('command', 'example', $script:Command)
        $w.WriteElementString('maml', 'title', $script:Maml, "-------------------------- $($example.Title) --------------------------")
        $w.WriteElementString('dev', 'code', $script:Dev, $example.Code)
        $w.WriteStartElement('dev', 'remarks', $script:Dev)
        foreach ($p in $example.Remarks) { $w.WriteElementString('maml', 'para', $script:Maml, $p) }
        $w.WriteElementString('maml', 'para', $script:Maml, '')   # a blank line before the next example's title
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $script:Command)
    foreach ($link in $Doc.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $script:Maml)
        $w.WriteElementString('maml', 'linkText', $script:Maml, $link.Text)
        $w.WriteElementString('maml', 'uri', $script:Maml, $link.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteEndElement()
}

# Positional parameters first (by position), then mandatory named ones, then the rest; WhatIf/Confirm last.
function Get-SyntaxOrder {
    param([object[]] $Parameters)
    $Parameters | Sort-Object -Stable `
        @{ Expression = { $_.IsShouldProcess } },
        @{ Expression = { $_.Position -eq 'named' ? [int]::MaxValue : [int]$_.Position } },
        @{ Expression = { -not $_.IsMandatory } }
}

function Write-MamlParameter {
    param([System.Xml.XmlWriter] $Writer, $Parameter, [string[]] $Paragraphs)

    $w = $Writer
    $pipeline = @(if ($Parameter.ValueFromPipeline) { 'ByValue' }; if ($Parameter.ValueFromPipelineByPropertyName) { 'ByPropertyName' })
    $w.WriteStartElement('command', 'parameter', $script:Command)
    $w.WriteAttributeString('required', "$($Parameter.IsMandatory)".ToLowerInvariant())
    $w.WriteAttributeString('variableLength', 'true')
    $w.WriteAttributeString('globbing', "$($Parameter.SupportsWildcards)".ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', ($pipeline.Count -gt 0 ? "True ($($pipeline -join ', '))" : 'False'))
    $w.WriteAttributeString('position', $Parameter.Position)
    $w.WriteAttributeString('aliases', ($Parameter.Aliases.Count -gt 0 ? ($Parameter.Aliases -join ', ') : 'none'))
    $w.WriteElementString('maml', 'name', $script:Maml, $Parameter.Name)
    Write-MamlParagraphs -Writer $w -Paragraphs $Paragraphs
    if ($Parameter.AllowedValues.Count -gt 0) {
        $w.WriteStartElement('command', 'parameterValueGroup', $script:Command)
        foreach ($value in $Parameter.AllowedValues) {
            $w.WriteStartElement('command', 'parameterValue', $script:Command)
            $w.WriteAttributeString('required', 'false')
            $w.WriteAttributeString('variableLength', 'false')
            $w.WriteString($value)
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    if (-not $Parameter.IsSwitch) {
        $w.WriteStartElement('command', 'parameterValue', $script:Command)
        $w.WriteAttributeString('required', 'true')
        $w.WriteAttributeString('variableLength', 'false')
        $w.WriteString($Parameter.TypeName)
        $w.WriteEndElement()
    }
    Write-MamlType -Writer $w -TypeName $Parameter.Type
    $w.WriteElementString('dev', 'defaultValue', $script:Dev, $Parameter.DefaultValue)
    $w.WriteEndElement()
}

# What can be piped in: each parameter taking pipeline input, by type (as PowerShell's own help lists it).
function Write-MamlInputTypes {
    param([System.Xml.XmlWriter] $Writer, $Metadata)

    $inputs = [ordered]@{}
    foreach ($parameter in $Metadata.ParameterSets.Parameters) {
        if (-not ($parameter.ValueFromPipeline -or $parameter.ValueFromPipelineByPropertyName)) { continue }
        $how = $parameter.ValueFromPipeline ? 'by value' : 'by property name'
        if (-not $inputs.Contains($parameter.Type)) { $inputs[$parameter.Type] = [System.Collections.Generic.List[string]]::new() }
        $binding = "-$($parameter.Name) ($how)"
        if (-not $inputs[$parameter.Type].Contains($binding)) { $inputs[$parameter.Type].Add($binding) }
    }
    $Writer.WriteStartElement('command', 'inputTypes', $script:Command)
    if ($inputs.Count -eq 0) { $inputs['None'] = @('This cmdlet takes no pipeline input.') }
    foreach ($entry in $inputs.GetEnumerator()) {
        $Writer.WriteStartElement('command', 'inputType', $script:Command)
        $text = $entry.Key -eq 'None' ? $entry.Value : "Binds to $($entry.Value -join ', ')."
        Write-MamlType -Writer $Writer -TypeName $entry.Key -Paragraphs $text
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-MamlType {
    param([System.Xml.XmlWriter] $Writer, [string] $TypeName, [string[]] $Paragraphs = @())
    $Writer.WriteStartElement('dev', 'type', $script:Dev)
    $Writer.WriteElementString('maml', 'name', $script:Maml, $TypeName)
    $Writer.WriteElementString('maml', 'uri', $script:Maml, '')
    $Writer.WriteEndElement()
    Write-MamlParagraphs -Writer $Writer -Paragraphs $Paragraphs
}

function Write-MamlParagraphs {
    param([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs = @())
    $Writer.WriteStartElement('maml', 'description', $script:Maml)
    foreach ($p in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $script:Maml, $p) }
    $Writer.WriteEndElement()
}
