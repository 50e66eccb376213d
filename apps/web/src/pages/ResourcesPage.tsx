export default function ResourcesPage(_props: { kind: 'rooms' | 'configs' }) {
  return null;
}
