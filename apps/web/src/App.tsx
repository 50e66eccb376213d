import { Center, createTheme, Loader, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, ReactNode, Suspense, useState } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';

import { ApiError } from './api/client';
import { AuthProvider, useAuth } from './auth/auth';
import { HostsPage } from './hosts/HostsPage';
import { Shell } from './layout/Shell';
import { LiveProvider } from './live/LiveProvider';
import { LoginPage } from './pages/LoginPage';

// the hosts page is the first page and ships in the entry chunk; the others load on demand
const ImportPage = lazy(() => import('./pages/ImportPage'));
const JobsPage = lazy(() => import('./pages/JobsPage'));
const JobDetailPage = lazy(() => import('./pages/JobDetailPage'));
const ResourcesPage = lazy(() => import('./pages/ResourcesPage'));
const SchoolsPage = lazy(() => import('./pages/SchoolsPage'));
const ValidatePage = lazy(() => import('./pages/ValidatePage'));

const theme = createTheme({ primaryColor: 'blue', defaultRadius: 'sm' });

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // the socket keeps the cache fresh; refetch on focus would undo the "no refetch per event" rule
        refetchOnWindowFocus: false,
        staleTime: 30_000,
        retry: (count, err) => !(err instanceof ApiError && err.status < 500) && count < 2,
      },
    },
  });
}

function Protected({ children }: { children: ReactNode }) {
  const { user, token, checking } = useAuth();
  if (!token) return <Navigate to="/login" replace />;
  if (checking || !user) return <Spinner />;
  return (
    <LiveProvider>
      <Shell>
        <Suspense fallback={<Spinner />}>{children}</Suspense>
      </Shell>
    </LiveProvider>
  );
}

function Spinner() {
  return (
    <Center h="50vh">
      <Loader aria-label="loading" />
    </Center>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/" element={<Navigate to="/hosts" replace />} />
      <Route
        path="/hosts"
        element={
          <Protected>
            <HostsPage />
          </Protected>
        }
      />
      <Route
        path="/import"
        element={
          <Protected>
            <ImportPage />
          </Protected>
        }
      />
      <Route
        path="/jobs"
        element={
          <Protected>
            <JobsPage />
          </Protected>
        }
      />
      <Route
        path="/jobs/:id"
        element={
          <Protected>
            <JobDetailPage />
          </Protected>
        }
      />
      <Route
        path="/rooms"
        element={
          <Protected>
            <ResourcesPage kind="rooms" />
          </Protected>
        }
      />
      <Route
        path="/configs"
        element={
          <Protected>
            <ResourcesPage kind="configs" />
          </Protected>
        }
      />
      <Route
        path="/schools"
        element={
          <Protected>
            <SchoolsPage />
          </Protected>
        }
      />
      <Route
        path="/validate"
        element={
          <Protected>
            <ValidatePage />
          </Protected>
        }
      />
      <Route path="*" element={<Navigate to="/hosts" replace />} />
    </Routes>
  );
}

export function App() {
  const [client] = useState(makeQueryClient);
  return (
    <MantineProvider theme={theme}>
      <Notifications position="top-right" />
      <QueryClientProvider client={client}>
        <AuthProvider>
          <BrowserRouter>
            <AppRoutes />
          </BrowserRouter>
        </AuthProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
