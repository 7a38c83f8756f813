using System.Management.Automation;
using OnedriveOffsite.Engine.Config;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>Shows the stored app registration; never the client secret, only whether one is set.</summary>
[Cmdlet(VerbsCommon.Get, "OffsiteApp")]
[OutputType(typeof(OffsiteAppInfo))]
public sealed class GetOffsiteAppCommand : OffsiteCmdlet
{
    protected override void ProcessRecord()
    {
        var home = Home;
        try
        {
            WriteObject(OffsiteAppInfo.From(new AppSettingsStore(home).Load(), home));
        }
        catch (OffsiteException ex)
        {
            WriteOffsiteError(ex, home.Path);
        }
    }
}
