using System.Management.Automation;
using OnedriveOffsite.Engine.Crypto;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Shows the id and location of the stored encryption key, never the key itself.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "OffsiteKey")]
[OutputType(typeof(OffsiteKeyInfo))]
public sealed class GetOffsiteKeyCommand : OffsiteCmdlet
{
    protected override void EndProcessing()
    {
        var store = new KeyStore(Home);
        try
        {
            var key = store.Load();
            WriteObject(new OffsiteKeyInfo { KeyId = key.KeyId, Path = store.KeyPath });
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowOffsiteError(ex, store.KeyPath);
        }
    }
}
