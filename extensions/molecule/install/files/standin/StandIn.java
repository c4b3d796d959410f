// STAND-IN for Digdir's integrasjonspunkt, for the molecule test ONLY. It is not the integrasjonspunkt.
// The real JAR cannot be downloaded on the test machines, so this tiny app plays its part:
//  * reads integrasjonspunkt-local.properties from its working directory, plus the file named by
//    -Dspring.config.additional-location (file:..., refusing to start when it is missing unless
//    optional:file:...), like Spring Boot does;
//  * listens on server.port (default 9093);
//  * answers GET /manage/health with {"status":"UP"} (200) only when the required properties are
//    present, the keystore opens with the configured password and holds the alias, its certificate's serial is not listed
//    in /etc/integrasjonspunkt-standin/virksert-refused or h2-data/standin-virksert-refused (a certificate directory
//    without it), and SPRING_PROFILES_ACTIVE is production|staging;
//    otherwise {"status":"DOWN", "missing": [...]} (503);
//  * GET /manage/info returns the baked-in version;
//  * difi.ssl.enabled=true: serves HTTPS with difi.ssl.key-store (type, password, alias as the real one's
//    server.ssl.* take them) and exits when that keystore does not open or lacks the alias, as the real
//    embedded web server does not start; false: plain HTTP;
//  * difi.security.enable=true: GET /api/statuses needs HTTP basic auth with difi.security.user.name/.password
//    (401 and WWW-Authenticate otherwise), while /manage/* stays open, as Oauth2ClientSecurityConfig does in
//    v4.0.8; false: /api/statuses answers anyone;
//  * the actuator (/manage/*) as v4.0.8's Spring Boot 3.5 serves it (Actuator below): upstream's defaults
//    (application.properties: every endpoint exposed but env, all enabled) unless the properties restrict them
//    (management.endpoints.web.exposure.include/exclude, management.endpoints.access.max-permitted,
//    management.endpoint.<id>.access); an exposed heapdump answers a heap-dump-like binary, threaddump JSON, and
//    POST /manage/shutdown really exits; an endpoint that is not exposed is 404, a wrong method 405; with
//    management.server.port the actuator answers on that port (and address) only, with the same TLS. Basic auth
//    applies to every path except the one-segment /manage/* and /error, as Oauth2ClientSecurityConfig's matchers;
//  * creates the H2 file in the data directory if it is missing (never rewrites it) and appends
//    "Started IntegrasjonspunktApplication" to logging.file.name.
// A build whose embedded standin-build.properties says healthy=false is the "never healthy" release.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.*;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.*;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

public class StandIn {
    static final String[] REQUIRED = {
        "difi.move.org.number", "difi.move.org.keystore.alias", "difi.move.org.keystore.password",
        "difi.move.org.keystore.path", "difi.move.org.keystore.type", "difi.ssl.enabled",
        "difi.security.enable", "difi.datasource.url", "difi.activemq.broker-url", "difi.move.ntp.host",
    };

    // The health components the status run reads (issue 22): database, queue, disk space, and the NextMove
    // queue's outgoing count, as v4.0.8 shows them with management.endpoint.health.show-details=always.
    static final String HEALTH_UP = "{\"status\":\"UP\",\"components\":{\"db\":{\"status\":\"UP\"},"
        + "\"diskSpace\":{\"status\":\"UP\"},\"jms\":{\"status\":\"UP\"},"
        + "\"nextMoveQueue\":{\"status\":\"UP\",\"details\":{\"outgoing\":0,\"incoming\":0}}}}";

    static Properties load(Path p, Properties into) throws IOException {
        if (Files.isReadable(p)) {
            try (Reader r = Files.newBufferedReader(p, StandardCharsets.ISO_8859_1)) { into.load(r); }
        }
        return into;
    }

    static void send(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream os = ex.getResponseBody()) { os.write(b); }
    }

    // The TLS context the real server.ssl.* would build: the keystore, its password, and only the alias's key.
    static SSLContext tls(Properties props) throws Exception {
        String path = props.getProperty("difi.ssl.key-store", "").replaceFirst("^file:", "");
        char[] pw = props.getProperty("difi.ssl.key-store-password", "").toCharArray();
        String alias = props.getProperty("difi.ssl.key-alias", "");
        KeyStore store = KeyStore.getInstance(props.getProperty("difi.ssl.key-store-type", "JKS"));
        try (InputStream in = Files.newInputStream(Paths.get(path))) { store.load(in, pw); }
        java.security.Key key = store.getKey(alias, pw);
        if (key == null) throw new IllegalStateException("no key with alias " + alias + " in " + path);
        KeyStore only = KeyStore.getInstance("PKCS12");
        only.load(null, null);
        only.setKeyEntry(alias, key, pw, store.getCertificateChain(alias));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(only, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    // The real one refuses a certificate the certificate directory (virksert) does not hold, with DPO/DPE. The
    // stand-in's directory: serials (lower-case hex, one a line) listed in VIRKSERT_REFUSED are "not there". In a
    // container /etc is the image's, so the test puts the list on the h2-data volume (relative to /workspace).
    static final List<Path> VIRKSERT_REFUSED = List.of(
        Paths.get("/etc/integrasjonspunkt-standin/virksert-refused"), Paths.get("h2-data/standin-virksert-refused"));

    static boolean notInVirksert(KeyStore store, String alias) throws Exception {
        String serial = ((java.security.cert.X509Certificate) store.getCertificate(alias)).getSerialNumber().toString(16);
        for (Path list : VIRKSERT_REFUSED) {
            if (!Files.isReadable(list)) continue;
            for (String line : Files.readAllLines(list)) if (line.trim().equalsIgnoreCase(serial)) return true;
        }
        return false;
    }

    // HTTP basic auth as Spring Security checks it: "Basic base64(user:password)", compared in constant time.
    static boolean authorised(HttpExchange ex, String user, String password) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.startsWith("Basic ")) return false;
        String given;
        try {
            given = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] want = (user + ":" + password).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(want, given.getBytes(StandardCharsets.UTF_8));
    }

    public static void main(String[] args) throws Exception {
        Properties build = new Properties();
        try (InputStream in = StandIn.class.getResourceAsStream("/standin-build.properties")) {
            if (in != null) build.load(in);
        }
        String version = build.getProperty("version", "unknown");
        boolean healthy = !"false".equals(build.getProperty("healthy", "true"));

        Properties props = load(Paths.get("integrasjonspunkt-local.properties"), new Properties());
        String extra = System.getProperty("spring.config.additional-location", "");
        if (!extra.isEmpty()) {
            // As Spring Boot: a location without "optional:" that does not exist stops the start
            // (ConfigDataLocationNotFoundException); an optional one is skipped.
            Path location = Paths.get(extra.replaceFirst("^optional:", "").replaceFirst("^file:", ""));
            if (!extra.startsWith("optional:") && !Files.isReadable(location)) {
                System.err.println("ConfigDataLocationNotFoundException: Config data location '" + extra + "' cannot be found");
                System.exit(1);
            }
            load(location, props);
        }

        List<String> missing = new ArrayList<>();
        for (String k : REQUIRED) if (props.getProperty(k, "").isEmpty()) missing.add(k);
        String ks = props.getProperty("difi.move.org.keystore.path", "").replaceFirst("^file:", "");
        if (!ks.isEmpty() && !Files.isReadable(Paths.get(ks))) missing.add("readable keystore " + ks);
        else if (!ks.isEmpty()) {
            // Open the keystore with the configured password and find the alias, as the real one does.
            try {
                java.security.KeyStore store = java.security.KeyStore.getInstance(props.getProperty("difi.move.org.keystore.type", "PKCS12"));
                char[] pw = props.getProperty("difi.move.org.keystore.password", "").toCharArray();
                try (InputStream in = Files.newInputStream(Paths.get(ks))) { store.load(in, pw); }
                String alias = props.getProperty("difi.move.org.keystore.alias", "");
                if (store.getKey(alias, pw) == null) missing.add("alias in keystore");
                else if (notInVirksert(store, alias)) missing.add("certificate not in the certificate directory (virksert)");
            } catch (Exception e) {
                missing.add("keystore does not open: " + e.getClass().getSimpleName());
            }
        }
        String profile = System.getenv().getOrDefault("SPRING_PROFILES_ACTIVE", "");
        if (!profile.equals("production") && !profile.equals("staging")) missing.add("SPRING_PROFILES_ACTIVE");
        if (!healthy) missing.add("(this stand-in build never becomes healthy)");

        String db = props.getProperty("difi.datasource.url", "");
        if (db.startsWith("jdbc:h2:file:")) {
            Path mv = Paths.get(db.substring("jdbc:h2:file:".length()) + ".mv.db");
            if (!Files.exists(mv)) Files.write(mv, ("stand-in H2 file created by " + version + "\n").getBytes());
        }
        String log = props.getProperty("logging.file.name", "");
        if (!log.isEmpty()) {
            Files.write(Paths.get(log), ("Started IntegrasjonspunktApplication (stand-in " + version + ")\n").getBytes(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }

        boolean ssl = "true".equals(props.getProperty("difi.ssl.enabled"));
        boolean auth = "true".equals(props.getProperty("difi.security.enable"));
        String user = props.getProperty("difi.security.user.name", "");
        String password = props.getProperty("difi.security.user.password", "");
        if (auth && (user.isEmpty() || password.isEmpty())) missing.add("difi.security.user.name/password");

        int port = Integer.parseInt(props.getProperty("server.port", "9093"));
        String managementPort = props.getProperty("management.server.port", "");
        boolean separate = !managementPort.isEmpty() && !managementPort.equals(String.valueOf(port));
        SSLContext context = null;
        if (ssl) {
            try {
                context = tls(props);
            } catch (Exception e) {
                // The real embedded web server does not start without its TLS keystore.
                System.err.println("Web server failed to start: TLS keystore: " + e);
                System.exit(1);
                return;
            }
        }
        // Spring Boot copies server.ssl to the management server unless management.server.ssl.* is set.
        HttpServer server = listen(new InetSocketAddress(port), context);
        HttpServer management = separate ? listen(new InetSocketAddress(
            InetAddressOf(props.getProperty("management.server.address", "0.0.0.0")), Integer.parseInt(managementPort)), context) : server;
        final String body = missing.isEmpty() ? HEALTH_UP
            : "{\"status\":\"DOWN\",\"missing\":[\"" + String.join("\",\"", missing) + "\"]}";
        final int code = missing.isEmpty() ? 200 : 503;
        Actuator actuator = new Actuator(props, code, body, version);
        // The security filter chain: one-segment /manage/* and /error open, the rest behind basic auth (auth on).
        final boolean authOn = auth;
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            boolean open = !authOn || path.matches("/manage/[^/]*") || path.equals("/error");
            if (!open && !authorised(ex, user, password)) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"Realm\"");
                send(ex, 401, "{\"error\":\"Unauthorized\"}");
                return;
            }
            if (path.equals("/api/statuses")) send(ex, 200, "{\"content\":[],\"standin\":true}");
            else if (!separate && path.startsWith("/manage/")) actuator.handle(ex, path);
            else send(ex, 404, "{\"status\":404,\"error\":\"Not Found\"}");
        });
        if (separate) {
            management.createContext("/", ex -> {
                String path = ex.getRequestURI().getPath();
                boolean open = !authOn || path.matches("/manage/[^/]*") || path.equals("/error");
                if (!open && !authorised(ex, user, password)) {
                    ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"Realm\"");
                    send(ex, 401, "{\"error\":\"Unauthorized\"}");
                    return;
                }
                if (path.startsWith("/manage/")) actuator.handle(ex, path);
                else send(ex, 404, "{\"status\":404,\"error\":\"Not Found\"}");
            });
            management.start();
        }
        server.start();
        System.out.println("Stand-in integrasjonspunkt " + version + " on port " + port + (ssl ? " (https" : " (http")
            + (auth ? ", basic auth" : ", no auth") + (separate ? ", actuator on " + managementPort : "") + "): " + body
            + "; actuator exposes " + actuator.exposed());
    }

    static java.net.InetAddress InetAddressOf(String text) throws IOException {
        return java.net.InetAddress.getByName(text);
    }

    static HttpServer listen(InetSocketAddress address, SSLContext context) throws IOException {
        if (context == null) return HttpServer.create(address, 0);
        HttpsServer https = HttpsServer.create(address, 0);
        https.setHttpsConfigurator(new HttpsConfigurator(context));
        return https;
    }

    // The endpoints v4.0.8 has, as Spring Boot 3.5 maps them: each with its read (GET) and write (POST) operations.
    static class Actuator {
        static final String[] READ = {"health", "info", "heapdump", "threaddump", "configprops", "env", "beans",
            "mappings", "loggers", "prometheus", "metrics"};
        static final String[] WRITE = {"shutdown", "loggers"};
        final Properties props;
        final int healthCode;
        final String healthBody;
        final String version;

        Actuator(Properties props, int healthCode, String healthBody, String version) {
            this.props = props;
            this.healthCode = healthCode;
            this.healthBody = healthBody;
            this.version = version;
        }

        // Upstream's application.properties: include=*, exclude=env; the local file may override both.
        boolean isExposed(String id) {
            List<String> include = Arrays.asList(props.getProperty("management.endpoints.web.exposure.include", "*").split("\\s*,\\s*"));
            List<String> exclude = Arrays.asList(props.getProperty("management.endpoints.web.exposure.exclude", "env").split("\\s*,\\s*"));
            return (include.contains("*") || include.contains(id)) && !exclude.contains(id);
        }

        // management.endpoint.<id>.access capped by management.endpoints.access.max-permitted (Spring Boot 3.4+);
        // upstream's enabled-by-default=true makes every endpoint unrestricted, shutdown included.
        String access(String id) {
            String own = props.getProperty("management.endpoint." + id + ".access", "unrestricted");
            String max = props.getProperty("management.endpoints.access.max-permitted", "unrestricted");
            List<String> order = Arrays.asList("none", "read-only", "unrestricted");
            return order.get(Math.min(Math.max(order.indexOf(own), 0), Math.max(order.indexOf(max), 0)));
        }

        boolean operation(String id, String method) {
            if (!isExposed(id) || access(id).equals("none")) return false;
            if (method.equals("GET")) return Arrays.asList(READ).contains(id);
            return method.equals("POST") && Arrays.asList(WRITE).contains(id) && access(id).equals("unrestricted");
        }

        String exposed() {
            List<String> out = new ArrayList<>();
            for (String id : new TreeSet<>(Arrays.asList("health", "info", "heapdump", "threaddump", "configprops",
                    "env", "beans", "mappings", "loggers", "prometheus", "metrics", "shutdown"))) {
                if (operation(id, "GET") || operation(id, "POST")) out.add(id);
            }
            return out.toString();
        }

        void handle(HttpExchange ex, String path) throws IOException {
            String[] parts = path.substring("/manage/".length()).split("/", 2);
            String id = parts[0];
            String method = ex.getRequestMethod();
            if (!operation(id, "GET") && !operation(id, "POST")) {
                send(ex, 404, "{\"status\":404,\"error\":\"Not Found\"}");
                return;
            }
            if (!operation(id, method)) {
                send(ex, 405, "{\"status\":405,\"error\":\"Method Not Allowed\"}");
                return;
            }
            switch (id) {
                case "health": send(ex, healthCode, healthBody); break;
                case "info": send(ex, 200, "{\"build\":{\"version\":\"" + version + "\",\"standin\":true}}"); break;
                case "heapdump": {
                    // An HPROF header and "memory" holding what a real heap would: the keystore password.
                    ByteArrayOutputStream dump = new ByteArrayOutputStream();
                    dump.write("JAVA PROFILE 1.0.2\0".getBytes(StandardCharsets.ISO_8859_1));
                    dump.write(("difi.move.org.keystore.password=" + props.getProperty("difi.move.org.keystore.password", "")).getBytes(StandardCharsets.UTF_8));
                    byte[] b = dump.toByteArray();
                    ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                    ex.sendResponseHeaders(200, b.length);
                    try (OutputStream os = ex.getResponseBody()) { os.write(b); }
                    break;
                }
                case "threaddump": send(ex, 200, "{\"threads\":[{\"threadName\":\"main\",\"threadState\":\"RUNNABLE\"}]}"); break;
                case "shutdown":
                    send(ex, 200, "{\"message\":\"Shutting down, bye...\"}");
                    // As the real endpoint: the context closes right after the answer, and the JVM exits.
                    new Thread(() -> { try { Thread.sleep(200); } catch (InterruptedException e) { } System.exit(0); }).start();
                    break;
                default: send(ex, 200, "{\"standin\":true,\"endpoint\":\"" + id + "\"}");
            }
        }
    }
}
