using Andon.BuildingBlocks.Bus;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Andon.BuildingBlocks.Tests;

public sealed class BusSetupTests
{
    [Fact]
    public async Task The_bus_sends_no_usage_report_outside_the_plant()
    {
        // MassTransit reports its usage to its vendor's server unless told not to; a plant's servers
        // may have no way out, and their IT must not find one being tried.
        var builder = WebApplication.CreateSlimBuilder();
        builder.AddAndonBus("telemetry-test");
        await using var host = builder.Build();

        Assert.False(host.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }
}
