using Andon.BuildingBlocks.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Andon.BuildingBlocks.Tests;

public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task Traces_and_metrics_are_recorded_only_when_an_exporter_takes_them()
    {
        // Without an exporter the providers started an activity for every request, publish and
        // consume and dropped it: allocation and CPU on the hot path for nothing.
        var quiet = WebApplication.CreateSlimBuilder();
        quiet.AddServiceDefaults("quiet-test");
        await using (var host = quiet.Build())
        {
            Assert.Null(host.Services.GetService<TracerProvider>());
            Assert.Null(host.Services.GetService<MeterProvider>());
        }

        var exported = WebApplication.CreateSlimBuilder();
        exported.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:4317";
        exported.AddServiceDefaults("exported-test");
        await using (var host = exported.Build())
        {
            Assert.NotNull(host.Services.GetService<TracerProvider>());
            Assert.NotNull(host.Services.GetService<MeterProvider>());
        }
    }
}
