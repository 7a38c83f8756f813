using Xunit;
using OnedriveOffsite.GraphEmulator.Faults;

namespace OnedriveOffsite.Tests.GraphEmulator;

public class FaultKindNamesTests
{
    [Fact]
    public void ParsesAllAliasesAndNames()
    {
        Assert.Equal(Enum.GetValues<FaultKind>().Length, FaultKindNames.Parse("all").Count);
        Assert.Equal(new[] { FaultKind.Throttle429, FaultKind.Unavailable503, FaultKind.ServerError500, FaultKind.ConnectionReset },
            FaultKindNames.Parse("429, 503,500,connectionreset").OrderBy(k => k));
        Assert.Throws<ArgumentException>(() => FaultKindNames.Parse("418"));
        Assert.Throws<ArgumentException>(() => FaultKindNames.Parse("Nonsense"));
    }
}
