using System.ComponentModel.DataAnnotations;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Andon.BuildingBlocks.Bus;

public enum BusTransport
{
    InMemory,
    RabbitMq,
}

public sealed class BusOptions
{
    public BusTransport Transport { get; set; } = BusTransport.InMemory;

    /// <summary>amqp://user:password@host:port/vhost</summary>
    [Required]
    public string RabbitMqUrl { get; set; } = "amqp://guest:guest@localhost:5672/";

    /// <summary>Prefix of this service's queue names, so two services never share a consumer queue.</summary>
    public string? EndpointPrefix { get; set; }
}

/// <summary>
/// The bus chosen by configuration (<c>Bus:Transport</c> = RabbitMq or InMemory). Modules add their
/// consumers with <see cref="AddBusConsumers"/>; the host calls <see cref="AddAndonBus"/> once.
/// </summary>
public static class BusSetup
{
    public static WebApplicationBuilder AddBusConsumers(this WebApplicationBuilder builder, Action<IBusRegistrationConfigurator> register)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Registrations(builder.Services).Add(register);
        return builder;
    }

    public static WebApplicationBuilder AddAndonBus(this WebApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection("Bus").Get<BusOptions>() ?? new BusOptions();
        var registrations = Registrations(builder.Services);
        builder.Services.AddOptions<BusOptions>().BindConfiguration("Bus").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddMassTransit(x =>
        {
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(options.EndpointPrefix ?? serviceName, includeNamespace: false));

            // Andon runs on the plant's own servers and calls nothing outside them: MassTransit's
            // usage report to its vendor (sent after the bus starts, on by default) is off.
            x.ConfigureUsageTelemetryOptions(o => o.Enabled = false);
            foreach (var register in registrations)
            {
                register(x);
            }

            if (options.Transport == BusTransport.RabbitMq)
            {
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(options.RabbitMqUrl));
                    cfg.UseMessageRetry(r => r.Intervals(100, 500, 1000, 5000, 15000));
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) =>
                {
                    // In one process nothing outside reads the bus: the event alone as JSON, no envelope
                    // around it to write and parse (a tenth of standalone's bytes in fan-out, ADR 0024).
                    // Its type goes in a header and picks the consumer; never "any type", which would
                    // hand a FileUploaded to the MessagePosted consumer of the same endpoint.
                    cfg.UseRawJsonSerializer(RawSerializerOptions.AddTransportHeaders | RawSerializerOptions.CopyHeaders, isDefault: true);
                    cfg.UseMessageRetry(r => r.Intervals(100, 500, 1000, 5000, 15000));
                    cfg.ConfigureEndpoints(context);
                });
            }
        });
        return builder;
    }

    private static List<Action<IBusRegistrationConfigurator>> Registrations(IServiceCollection services)
    {
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(ConsumerRegistrations))?.ImplementationInstance as ConsumerRegistrations;
        if (existing is null)
        {
            existing = new ConsumerRegistrations();
            services.AddSingleton(existing);
        }

        return existing.Actions;
    }

    private sealed class ConsumerRegistrations
    {
        public List<Action<IBusRegistrationConfigurator>> Actions { get; } = [];
    }
}
