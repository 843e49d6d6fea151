using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace SessionPolicy.Server.Grpc;

/// <summary>
/// Binds every gRPC service (the service's own, health and reflection) as its generated <c>BindService</c>
/// says, with one change: each method's request deserializer is guarded, so bytes that do not parse as the
/// request message end the call with INVALID_ARGUMENT (<see cref="MalformedRequests"/>) instead of UNKNOWN.
/// Parsing happens before any interceptor runs; this is the one path every method's parsing takes. Fields
/// the contract does not know are dropped as the message is parsed (<see cref="ProtoMarshaller.Parser{T}"/>),
/// so padding a request never reaches a cache or a store.
/// </summary>
internal sealed class GuardedServiceMethodProvider<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.All)] TService>(MalformedRequests malformed)
    : IServiceMethodProvider<TService> where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        if (FindBindMethod() is not { } bind) return;
        bind.Invoke(null, [new GuardedBinder(context, bind.GetParameters()[1].ParameterType, malformed), null]);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "The service types are kept by the gRPC endpoint mapping.")]
    private static MethodInfo? FindBindMethod()
    {
        for (var type = typeof(TService); type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is not { } attribute) continue;
            return attribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .FirstOrDefault(m => m.Name == attribute.BindMethodName && m.GetParameters() is [{ } first, _] && first.ParameterType == typeof(ServiceBinderBase));
        }
        return null;
    }

    private sealed class GuardedBinder(ServiceMethodProviderContext<TService> context, Type declaringType, MalformedRequests malformed) : ServiceBinderBase, IFastPathBinder
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler) =>
            context.AddUnaryMethod(Guard(method), Metadata(method.Name, out var m, typeof(TRequest), typeof(ServerCallContext)),
                m.CreateDelegate<UnaryServerMethod<TService, TRequest, TResponse>>());

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddServerStreamingMethod(Guard(method), Metadata(method.Name, out var m, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)),
                m.CreateDelegate<ServerStreamingServerMethod<TService, TRequest, TResponse>>());

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddClientStreamingMethod(Guard(method), Metadata(method.Name, out var m, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)),
                m.CreateDelegate<ClientStreamingServerMethod<TService, TRequest, TResponse>>());

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
            context.AddDuplexStreamingMethod(Guard(method),
                Metadata(method.Name, out var m, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)),
                m.CreateDelegate<DuplexStreamingServerMethod<TService, TRequest, TResponse>>());

        private Method<TRequest, TResponse> Guard<TRequest, TResponse>(Method<TRequest, TResponse> method) where TRequest : class where TResponse : class
        {
            var inner = method.RequestMarshaller;
            var parse = KnownFieldsOnly<TRequest>() ?? inner.ContextualDeserializer;
            var requests = Marshallers.Create(inner.ContextualSerializer, context =>
            {
                try
                {
                    return parse(context);
                }
                catch (Exception e) when (e is not RpcException and not OperationCanceledException)
                {
                    throw malformed.Refuse(method.FullName, "its bytes do not parse as " + typeof(TRequest).Name);
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requests, method.ResponseMarshaller);
        }

        /// <summary>A deserializer that drops unknown fields, for a protobuf message type; null for any other.</summary>
        [UnconditionalSuppressMessage("Trimming", "IL2090", Justification = "Generated message types keep their static Parser property.")]
        private static Func<DeserializationContext, TRequest>? KnownFieldsOnly<TRequest>() where TRequest : class
        {
            if (typeof(TRequest).GetProperty("Parser", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is not Google.Protobuf.MessageParser parser) return null;
            var known = ProtoMarshaller.Parser(parser);
            return context => (TRequest)known.ParseFrom(context.PayloadAsReadOnlySequence());
        }

        /// <summary>The service's implementation of the method (an override of the generated base's), and its endpoint metadata.</summary>
        [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The service types are kept by the gRPC endpoint mapping.")]
        private List<object> Metadata(string name, out MethodInfo implementation, params Type[] parameters)
        {
            implementation = Find(name, parameters) ?? FindBound(name, parameters) ?? throw new InvalidOperationException($"{typeof(TService)} does not implement {name}");
            var metadata = new List<object>();
            // The type's attributes first, so the method's own take precedence.
            metadata.AddRange(typeof(TService).GetCustomAttributes(inherit: true));
            metadata.AddRange(implementation.GetCustomAttributes(inherit: true));
            metadata.Add(new Microsoft.AspNetCore.Routing.HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
            return metadata;
        }

        /// <summary>A method of another name that says it implements <paramref name="name"/> (<see cref="BindsAttribute"/>).</summary>
        [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The service types are kept by the gRPC endpoint mapping.")]
        private static MethodInfo? FindBound(string name, Type[] parameters) => typeof(TService).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(m => m.GetCustomAttribute<BindsAttribute>()?.Method == name && m.GetParameters().Select(p => p.ParameterType).SequenceEqual(parameters));

        [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The service types are kept by the gRPC endpoint mapping.")]
        private MethodInfo? Find(string name, Type[] parameters)
        {
            for (var type = typeof(TService); type is not null; type = type.BaseType)
            {
                var candidate = type.GetMethod(name, BindingFlags.Public | BindingFlags.Instance, null, parameters, null);
                if (candidate is null) return null;
                // Only an override of the generated base's method counts; a method that hides it does not.
                if (candidate.IsVirtual && candidate.GetBaseDefinition().DeclaringType == declaringType) return candidate;
            }
            return null;
        }
    }
}

/// <summary>The binder of gRPC's own endpoints, where a binding may use marshallers of its own making (bytes kept, replies sent as cached).</summary>
internal interface IFastPathBinder;

/// <summary>
/// Marks a method that implements the gRPC method <see cref="Method"/> under another name: the fast path of a method whose
/// contract-typed implementation keeps the contract's name (JSON transcoding finds methods by name alone).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class BindsAttribute(string method) : Attribute
{
    public string Method { get; } = method;
}
